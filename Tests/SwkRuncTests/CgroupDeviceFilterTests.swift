import Glibc
import OCI
import SwkSupport
import Testing
import TestSupport
@testable import SwkRunc

/// Device rules on cgroup2: an eBPF program on the container's cgroup, checked by a shell that
/// moves itself into that cgroup and opens devices. Runs on the cgroup2 mount of this hybrid
/// host (any cgroup2 directory takes device programs), as a pure-v2 host would drive it.
@Suite(.enabled(if: Fixture.isRoot, "needs root for cgroups and bpf(2)"))
struct CgroupDeviceFilterTests {
    @Test(.enabled(if: Cgroups.Host.detect().unified != nil, "no cgroup2 mount on this host"))
    func cgroup2ProgramAllowsOnlyTheListedDevicesAndAccesses() throws {
        let unified = try #require(Cgroups.Host.detect().unified)
        let host = Cgroups.Host(v1: [:], unified: unified, unifiedControllers: [])
        let c = Cgroups.Container(host: host, path: "/swkrunc-devfilter-\(getpid())")
        var resources = LinuxResources()
        resources.devices = [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),  // null
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "r"),    // zero, read only
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),  // urandom…
            LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 9, access: "w"),   // …but not writes
        ]
        let created = try Cgroups.create(c, resources: resources)
        defer { try? Cgroups.removeDirectories(created) }
        let script = """
            echo $$ > \(unified)\(c.path)/cgroup.procs || exit 9
            cat /dev/null && echo null
            head -c 1 /dev/zero > /dev/null && echo zero-read
            echo x > /dev/zero && echo zero-write
            head -c 1 /dev/urandom > /dev/null && echo urandom-read
            echo x > /dev/urandom && echo urandom-write
            head -c 1 /dev/full > /dev/null && echo full-read
            true
            """
        let out = try Spawn.run(["/bin/busybox", "sh", "-c", script])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "null\nzero-read\nurandom-read\n", "stderr: \(out.stderr)")
    }

    @Test func badAccessIsRefusedBeforeAnythingIsAttached() throws {
        let dir = try makeTempDir("devfilter")
        defer { try? FS.removeTree(dir) }
        let host = Cgroups.Host(v1: [:], unified: dir, unifiedControllers: [])
        var resources = LinuxResources()
        resources.devices = [LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwx")]
        #expect(throws: SwkError.self) { try Cgroups.apply(Cgroups.Container(host: host, path: ""), resources) }
    }
}
