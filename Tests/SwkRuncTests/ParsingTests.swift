import OCI
import SwkSupport
import Testing
@testable import SwkRunc

struct ParsingTests {
    @Test(arguments: [("TERM", 15), ("SIGTERM", 15), ("kill", 9), ("9", 9), ("SIGRTMIN+1", 35)] as [(String, Int32)])
    func signalNames(_ text: String, _ number: Int32) throws {
        #expect(try KillCommand.signal(text) == number)
    }

    /// The fast cgroup discovery (/proc/self/cgroup + statfs) must find exactly what the full
    /// mountinfo scan finds; hosts with an unusual layout use the scan (nil here).
    @Test(.enabled(if: Cgroups.Host.fromProcCgroup() != nil, "cgroups are not mounted in the usual /sys/fs/cgroup layout here"))
    func cgroupDiscoveryMatchesTheMountinfoScan() throws {
        let fast = try #require(Cgroups.Host.fromProcCgroup())
        let scanned = Cgroups.Host.fromMountinfo()
        #expect(fast == scanned)
        #expect(!fast.allDirectories.isEmpty)
    }

    @Test func mountinfoEscapesAreDecoded() {
        #expect(Cgroups.Host.unescape("/sys/fs/cgroup/with\\040space\\011tab\\134") == "/sys/fs/cgroup/with space\ttab\\")
        #expect(Cgroups.Host.unescape("/plain") == "/plain")
        #expect(Cgroups.Host.unescape("/odd\\04") == "/odd\\04")
    }

    @Test func unknownSignalIsAnError() {
        #expect(throws: SwkError.self) { try KillCommand.signal("NOPE") }
    }

    @Test func flagsInBothShapes() throws {
        let a = try Arguments.parse(["--bundle=/b", "--pid-file", "/p", "-d", "id"], RunCommand.shape)
        #expect(a.value("bundle") == "/b")
        #expect(a.value("pid-file") == "/p")
        #expect(a.has("detach"))
        #expect(a.positional == ["id"])
    }

    @Test func execStopsParsingAtTheCommand() throws {
        let a = try Arguments.parse(["-t", "id", "ls", "-l"], ExecCommand.shape)
        #expect(a.has("tty"))
        #expect(a.positional == ["id", "ls", "-l"])
    }

    @Test func mountOptions() {
        let o = Mounts.parse(["ro", "nosuid", "rbind", "rprivate", "mode=755", "size=1k"])
        #expect(o.flags == Mounts.rdonly | Mounts.nosuid | Mounts.bind | Mounts.rec)
        #expect(o.propagation == Mounts.privateFlag | Mounts.rec)
        #expect(o.data == ["mode=755", "size=1k"])
    }

    @Test func decodingErrorsNameTheField() {
        let json = Array(#"{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"cwd":"/","args":"sh"}}"#.utf8)
        do {
            _ = try Config.decode(Spec.self, bytes: json, name: "config.json")
            Issue.record("decoding should fail")
        } catch {
            #expect(error.message.hasPrefix("config.json: process.args: expected an array"), "\(error.message)")
        }
    }

    @Test func capabilityNames() throws {
        #expect(try Capabilities.mask(["CAP_KILL", "NET_BIND_SERVICE"], field: "f") == (1 << 5) | (1 << 10))
        #expect(throws: SwkError.self) { try Capabilities.mask(["CAP_NOPE"], field: "f") }
    }

    @Test func cgroupsPaths() throws {
        #expect(try Cgroups.path(nil, id: "c1") == "/c1")
        #expect(try Cgroups.path("swkube/pod/c1", id: "c1") == "/swkube/pod/c1")
        #expect(try Cgroups.path("/swkube//pod/", id: "c1") == "/swkube/pod")
        #expect(throws: SwkError.self) { try Cgroups.path("/a/../b", id: "c1") }
    }
}
