import CSwkSys
import Glibc
import SwkSupport
import Testing
import TestSupport

/// swk_open_in_root: openat2 and the O_PATH walk for kernels without it give the same answers,
/// and neither ever leaves the root. No root needed.
struct InRootTests {
    static let walk = Int32(SWK_IN_ROOT_WALK)

    /// The path `fd` names, or the errno of a failed lookup ("errno N").
    static func outcome(_ root: String, _ path: String, _ flags: Int32) -> String {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(rootFD) }
        let fd = swk_open_in_root(rootFD, path, flags)
        if fd < 0 { return "errno \(errno)" }
        defer { close(fd) }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
        return String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func tree() throws -> String {
        let root = try makeTempDir("inroot")
        try FS.makeDirectories("\(root)/a/b")
        symlink("/a", "\(root)/abs")
        symlink("a/b/../..", "\(root)/rel")
        symlink("../../..", "\(root)/up")
        symlink("loop", "\(root)/loop")
        symlink("/proc/self/root", "\(root)/magic")
        return root
    }

    @Test(arguments: [
        ("a/b", "/a/b"), ("/a/b", "/a/b"), ("abs/b", "/a/b"), ("rel/a", "/a"), ("up/a/b", "/a/b"),
        ("/../a", "/a"), ("a/../../a/b", "/a/b"), ("up", ""), ("abs/../up/abs", "/a"),
        ("loop", "errno 40"), ("missing", "errno 2"), ("magic/etc", "errno 2"),
    ])
    func resolvesInsideTheRoot(path: String, expected: String) throws {
        let root = try tree()
        defer { try? FS.removeTree(root) }
        #expect(Self.outcome(root, path, 0) == (expected.hasPrefix("errno") ? expected : root + expected))
        #expect(Self.outcome(root, path, Self.walk) == Self.outcome(root, path, 0), "walk")
    }

    @Test(arguments: [("up", "errno 18"), ("abs", "errno 18"), ("a/../..", "errno 18"), ("a/b", "/a/b")])
    func beneathRefusesWhatLeaves(path: String, expected: String) throws {
        let root = try tree()
        defer { try? FS.removeTree(root) }
        let beneath = Int32(SWK_IN_ROOT_BENEATH)
        #expect(Self.outcome(root, path, beneath) == (expected.hasPrefix("errno") ? expected : root + expected))
        #expect(Self.outcome(root, path, beneath | Self.walk) == Self.outcome(root, path, beneath), "walk")
    }

    @Test(arguments: [Int32(0), walk])
    func createsMissingComponentsInsideTheRoot(mode: Int32) throws {
        let root = try tree()
        defer { try? FS.removeTree(root) }
        #expect(Self.outcome(root, "up/new/dir", mode | Int32(SWK_IN_ROOT_MKDIR)) == "\(root)/new/dir")
        #expect(Self.outcome(root, "abs/f", mode | Int32(SWK_IN_ROOT_MKFILE)) == "\(root)/a/f")
        var st = stat()
        #expect(stat("\(root)/a/f", &st) == 0 && st.st_mode & S_IFMT == S_IFREG)
        #expect(!FS.exists("\(FS.dirname(of: root))/new"))
    }

    /// A dangling symlink on the way is followed inside the root and its target created (an
    /// image's /etc/resolv.conf -> ../run/…), as runc does; under BENEATH only where it stays below.
    @Test(arguments: [Int32(0), walk])
    func danglingSymlinksAreCreatedInsideTheRoot(mode: Int32) throws {
        let root = try tree()
        defer { try? FS.removeTree(root) }
        try FS.makeDirectories("\(root)/etc")
        symlink("../../../run/x/stub", "\(root)/etc/resolv.conf")
        symlink("/made/here", "\(root)/dangling")
        symlink("newdir", "\(root)/d2")
        #expect(Self.outcome(root, "/etc/resolv.conf", mode | Int32(SWK_IN_ROOT_MKFILE)) == "\(root)/run/x/stub")
        #expect(Self.outcome(root, "/dangling/d", mode | Int32(SWK_IN_ROOT_MKDIR)) == "\(root)/made/here/d")
        let beneath = mode | Int32(SWK_IN_ROOT_MKDIR | SWK_IN_ROOT_BENEATH)
        #expect(Self.outcome(root, "d2/x", beneath) == "\(root)/newdir/x")
        #expect(Self.outcome(root, "up/x", beneath) == "errno 18")
        #expect(!FS.exists("\(FS.dirname(of: root))/run") && !FS.exists("/made"))
    }

    /// A /proc magic link is never followed out: openat2 refuses it, the walk reads it as text.
    @Test(arguments: [Int32(0), walk])
    func magicLinksAreNotFollowed(mode: Int32) {
        #expect(Self.outcome("/proc/self", "root/etc", mode).hasPrefix("errno"))
    }
}
