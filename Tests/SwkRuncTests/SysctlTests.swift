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
}
