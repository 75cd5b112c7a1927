import Glibc
import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// linux.sysctl is written inside the container's namespaces before /proc/sys becomes read-only
/// (it is one of the default readonlyPaths), as runc orders it.
@Suite(.enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct SysctlTests {
    static func check(_ binary: String) throws {
        let f = try Fixture("sysctl")
        defer { f.cleanup() }
        #expect(f.spec.linux?.namespaces?.contains { $0.type == "network" } == true)
        #expect(f.spec.linux?.readonlyPaths?.contains("/proc/sys") == true)
        f.spec.linux?.sysctl = ["net.ipv4.ip_local_port_range": "1024 65000"]
        f.script("cat /proc/sys/net/ipv4/ip_local_port_range")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id], binary: binary)
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "1024\t65000\n", "\(binary): \(out.stdout)")
    }

    @Test func swkubeRuncSetsSysctlsDespiteAReadOnlyProcSys() throws {
        try Self.check(Fixture.runtime)
    }

    @Test(.enabled(if: FS.exists("/usr/sbin/runc"), "Debian's runc is not installed"))
    func runcDoesTheSame() throws {
        try Self.check("/usr/sbin/runc")
    }

    /// As runc refuses them: a sysctl the container does not own a namespace for would be
    /// written into the host's.
    @Test(arguments: [
        ("vm.swappiness", "network", "\"vm.swappiness\" is not in a separate kernel namespace"),
        ("net.ipv4.ip_local_port_range", "network", "\"net.ipv4.ip_local_port_range\" is not allowed in the host's network namespace"),
        ("kernel.shm_rmid_forced", "ipc", "\"kernel.shm_rmid_forced\" is not allowed in the host's ipc namespace"),
    ])
    func aSysctlOutsideTheContainersNamespacesIsRefused(_ name: String, _ dropped: String, _ message: String) throws {
        let f = try Fixture("sysctlhost")
        defer { f.cleanup() }
        let namespaces = (f.spec.linux?.namespaces ?? []).filter { $0.type != dropped }
        f.spec.linux?.namespaces = namespaces
        f.spec.linux?.sysctl = [name: "1"]
        f.script("true")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status != 0)
        #expect(out.stderr.contains(message), "\(out.stderr)")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }
}
