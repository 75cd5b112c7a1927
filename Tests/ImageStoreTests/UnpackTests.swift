import CSwkSys
import Glibc
@testable import ImageStore
import OCI
import SwkSupport
import Testing
import TestSupport

/// Unpacking needs root: it creates whiteout devices, sets owners and trusted.* xattrs.
@Suite(.enabled(if: isRoot, rootReason)) struct UnpackTests {
    func xattr(_ path: String, _ name: String) -> String? {
        var buf = [UInt8](repeating: 0, count: 256)
        let n = swk_lgetxattr(path, name, &buf, buf.count)
        return n < 0 ? nil : String(decoding: buf[0..<n], as: UTF8.self)
    }

    static let layer1: [TarEntry] = [
        .dir("a"), .file("a/keep", "keep"), .file("a/gone", "gone"),
        .dir("d"), .file("d/old", "old"), .dir("d/sub"), .file("d/sub/x", "x"),
    ]
    static let layer2: [TarEntry] = [
        .dir("a"), .file("a/.wh.gone", ""), .dir("d"), .file("d/.wh..wh..opq", ""), .file("d/new", "new"),
        .file("b/.wh.never-existed", ""),
    ]

    @Test(arguments: [Compression.gzip, .zstd, .none])
    func whiteoutsBecomeOverlayWhiteouts(_ compression: Compression) throws {
        let dir = try makeTempDir("wh")
        defer { cleanup(dir) }
        let store = try ImageStore(root: "\(dir)/store")
        let archive = try makeOCIArchive(in: dir, name: "localhost/wh:1", layers: [Self.layer1, Self.layer2],
                                         compression: compression)
        let image = try #require(try store.importArchive(path: archive).first)
        let dirs = try store.lowerDirs(for: image)
        try #require(dirs.count == 2)
        let top = dirs[0], bottom = dirs[1]
        #expect(try filesUnder(bottom) == ["a/gone", "a/keep", "d/old", "d/sub/x"])
        #expect(try filesUnder(top) == ["a/gone", "b/never-existed", "d/new"])
        let st = try #require(lstatOf("\(top)/a/gone"))
        #expect(st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0)
        #expect(xattr("\(top)/d", "trusted.overlay.opaque") == "y")
        #expect(xattr("\(top)/a", "trusted.overlay.opaque") == nil)
        // Asking again reuses the snapshots.
        #expect(try store.lowerDirs(for: image) == dirs)
    }

    @Test func anOverlayOfTheLowerDirsShowsTheMergedTree() throws {
        let dir = try makeTempDir("ovl")
        defer { cleanup(dir) }
        let store = try ImageStore(root: "\(dir)/store")
        let archive = try makeOCIArchive(in: dir, name: "localhost/ovl:1", layers: [Self.layer1, Self.layer2])
        let image = try #require(try store.importArchive(path: archive).first)
        let lower = try store.lowerDirs(for: image).joined(separator: ":")
        let merged = "\(dir)/merged"
        try FS.makeDirectories(merged)
        guard mount("overlay", merged, "overlay", 0, "lowerdir=\(lower)") == 0 else {
            Issue.record("mount overlay lowerdir=\(lower): \(errnoText(errno))")
            return
        }
        defer { umount2(merged, Int32(MNT_DETACH)) }
        let files = try filesUnder(merged)
        // readdir of a directory that only one layer has (b/) is passed through by overlayfs
        // unfiltered, but lookup honours the whiteout, so the name cannot be opened.
        #expect(files.filter { !$0.hasPrefix("b/") } == ["a/keep", "d/new"])
        #expect(lstatOf("\(merged)/b/never-existed") == nil)
        #expect(lstatOf("\(merged)/a/gone") == nil && lstatOf("\(merged)/d/old") == nil && lstatOf("\(merged)/d/sub") == nil)
        #expect(try FS.readString("\(merged)/d/new") == "new")
    }

    @Test func ownersModesTimesAndXattrsAreKept() throws {
        let dir = try makeTempDir("meta")
        defer { cleanup(dir) }
        var suid = TarEntry.file("bin/tool", "#!/bin/sh\n", mode: 0o4750)
        suid.uid = 1234
        suid.gid = 5678
        suid.mtime = 1_234_567
        suid.xattrs = ["user.note": "hi", "trusted.overlay.redirect": "/etc"]
        var ro = TarEntry.dir("ro")
        ro.mode = 0o555
        ro.mtime = 42
        var link = TarEntry(path: "bin/link", kind: .symlink("/etc/passwd"))
        link.uid = 7
        let layer = [TarEntry.dir("bin"), suid, link, ro, .file("ro/inside", "x"),
                     TarEntry(path: "bin/hard", kind: .hardlink("bin/tool"))]
        let store = try ImageStore(root: "\(dir)/store")
        let image = try #require(try store.importArchive(path: try makeOCIArchive(in: dir, name: "localhost/m:1", layers: [layer])).first)
        let fs = try store.lowerDirs(for: image)[0]
        let st = try #require(lstatOf("\(fs)/bin/tool"))
        #expect(st.st_uid == 1234 && st.st_gid == 5678)
        #expect(st.st_mode & 0o7777 == 0o4750)
        #expect(st.st_mtim.tv_sec == 1_234_567)
        #expect(st.st_nlink == 2)
        #expect(xattr("\(fs)/bin/tool", "user.note") == "hi")
        // A layer cannot set overlayfs' own attributes.
        #expect(xattr("\(fs)/bin/tool", "trusted.overlay.redirect") == nil)
        let l = try #require(lstatOf("\(fs)/bin/link"))
        #expect(l.st_mode & S_IFMT == S_IFLNK && l.st_uid == 7)
        let r = try #require(lstatOf("\(fs)/ro"))
        #expect(r.st_mode & 0o7777 == 0o555 && r.st_mtim.tv_sec == 42)
    }

    @Test func aWrongDiffIDFailsTheUnpackAndLeavesNoSnapshot() throws {
        let dir = try makeTempDir("diffid")
        defer { cleanup(dir) }
        let store = try ImageStore(root: "\(dir)/store")
        let archive = try makeOCIArchive(in: dir, name: "localhost/d:1", layers: [[.file("f")]], corruptDiffID: true)
        let image = try #require(try store.importArchive(path: archive).first)
        #expect {
            _ = try store.lowerDirs(for: image)
        } throws: { ($0 as? SwkError)?.message.contains("the image config says") ?? false }
        #expect(try FS.list("\(dir)/store/snapshots").isEmpty)
    }
}

/// Layers that try to write outside their snapshot. Each must fail or stay inside; the host side
/// (a directory next to the store, and /etc/hostname) is checked afterwards.
@Suite(.enabled(if: isRoot, rootReason)) struct HostileLayerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Builds the layer; `host` is the absolute path of the host directory to protect.
        var layer: @Sendable (String) -> [TarEntry]
        /// A fragment of the expected error, or nil when the layer must unpack (inside the snapshot).
        var failure: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "dot-dot path", layer: { _ in [.file("../../../../escaped")] }, failure: "points outside the layer root"),
        Case(name: "dot-dot in the middle", layer: { _ in [.file("a/../../escaped")] }, failure: "points outside the layer root"),
        Case(name: "absolute path stays inside", layer: { host in [.file("\(host)/escaped")] }, failure: nil),
        Case(name: "write through an absolute symlink", layer: { host in
            [TarEntry(path: "lnk", kind: .symlink(host)), .file("lnk/escaped")] }, failure: "which is a symlink or not a directory"),
        Case(name: "write through a relative symlink", layer: { _ in
            [TarEntry(path: "lnk", kind: .symlink("../../../../../../../../tmp")), .file("lnk/escaped")] }, failure: "which is a symlink or not a directory"),
        Case(name: "directory through a symlink", layer: { host in
            [TarEntry(path: "lnk", kind: .symlink(host)), .dir("lnk/escaped")] }, failure: "which is a symlink or not a directory"),
        Case(name: "hardlink to a host file", layer: { _ in
            [TarEntry(path: "hl", kind: .hardlink("/etc/hostname"))] }, failure: "hardlink hl to etc/hostname"),
        Case(name: "hardlink through a symlink", layer: { _ in
            [TarEntry(path: "etc", kind: .symlink("/etc")), TarEntry(path: "hl", kind: .hardlink("etc/hostname"))] }, failure: "which is a symlink or not a directory"),
        Case(name: "hardlink climbing out", layer: { _ in
            [TarEntry(path: "hl", kind: .hardlink("../../../../etc/hostname"))] }, failure: "points outside the layer root"),
        Case(name: "whiteout of ../x", layer: { _ in [.file("../.wh.victim", "")] }, failure: "points outside the layer root"),
        Case(name: "whiteout named ..", layer: { _ in [.file("a/.wh...", "")] }, failure: "invalid whiteout"),
        Case(name: "whiteout through a symlink", layer: { host in
            [TarEntry(path: "lnk", kind: .symlink(host)), .file("lnk/.wh.victim", "")] }, failure: "which is a symlink or not a directory"),
        Case(name: "opaque marker through a symlink", layer: { host in
            [TarEntry(path: "lnk", kind: .symlink(host)), .file("lnk/.wh..wh..opq", "")] }, failure: "which is a symlink or not a directory"),
        Case(name: "symlink replaced then written", layer: { host in
            [.dir("d"), TarEntry(path: "d", kind: .symlink(host)), .file("d/escaped")] }, failure: "which is a symlink or not a directory"),
    ]

    @Test(arguments: cases)
    func staysInside(_ c: Case) throws {
        let dir = try makeTempDir("hostile")
        defer { cleanup(dir) }
        let host = "\(dir)/host"
        try FS.makeDirectories(host)
        try FS.writeAtomic("\(host)/victim", "precious")
        let hostnameLinks = lstatOf("/etc/hostname")?.st_nlink
        let store = try ImageStore(root: "\(dir)/store/deep/er")
        let archive = try makeOCIArchive(in: dir, name: "localhost/evil:1", layers: [c.layer(host)], compression: .none)
        let image = try #require(try store.importArchive(path: archive).first)
        if let failure = c.failure {
            #expect {
                _ = try store.lowerDirs(for: image)
            } throws: { ($0 as? SwkError)?.message.contains(failure) ?? false }
        } else {
            let dirs = try store.lowerDirs(for: image)
            #expect(FS.exists("\(dirs[0])\(host)/escaped"))
        }
        #expect(try filesUnder(host) == ["victim"])
        #expect(try FS.readString("\(host)/victim") == "precious")
        #expect(!FS.exists("\(dir)/escaped") && !FS.exists("\(dir)/store/escaped") && !FS.exists("/tmp/escaped"))
        #expect(lstatOf("/etc/hostname")?.st_nlink == hostnameLinks)
        // A failed unpack leaves no snapshot, visible or temporary.
        if c.failure != nil { #expect(try FS.list("\(dir)/store/deep/er/snapshots").isEmpty) }
    }
}

@Suite(.enabled(if: isRoot, rootReason)) struct SnapshotLifecycleTests {
    @Test func concurrentUnpacksOfOneImageAgree() async throws {
        let dir = try makeTempDir("conc")
        defer { cleanup(dir) }
        let store = try ImageStore(root: "\(dir)/store")
        let image = try #require(try store.importArchive(path: try buildDemo(in: dir)).first)
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { try store.lowerDirs(for: image) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4 && Set(results).count == 1)
        #expect(try FS.list("\(dir)/store/snapshots").count == 1)
        #expect(try filesUnder(results[0][0]).contains("bin/busybox"))
    }
}
