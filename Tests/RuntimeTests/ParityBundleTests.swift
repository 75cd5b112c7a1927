import CRI
import FoundationEssentials
@testable import Runtime
import SwkSupport
import Testing

/// config.json as containerd's CRI shapes it, where swkube used to differ (issue 11, item 7).
struct ParityBundleTests {
    static func bundle(_ configure: (inout BundleConfig.Inputs) -> Void = { _ in }) throws -> BundleConfig {
        var inputs = BundleConfig.Inputs(
            args: ["sh"], env: [], cwd: "/", user: .init(uid: 0, gid: 0, additionalGids: []), hostname: "",
            sharedNamespaces: [:], cgroupsPath: "/swkube/u/c", resources: .init(), mounts: [],
            etcFiles: [("/etc/hostname", "/sb/hostname"), ("/etc/hosts", "/sb/hosts"), ("/etc/resolv.conf", "/sb/resolv.conf")])
        configure(&inputs)
        return try BundleConfig.make(inputs)
    }

    static func json(_ b: BundleConfig) throws -> String {
        String(decoding: try JSONEncoder().encode(b), as: UTF8.self)
    }

    @Test func noRlimitsSoTheContainerInheritsTheRuntimesOwn() throws {
        #expect(!(try Self.json(Self.bundle())).contains("rlimits"))
    }

    @Test(arguments: [(false, false, false), (true, false, true), (true, true, false)])
    func aCgroupNamespaceOnlyOnAUnifiedHostAndNotForPrivileged(_ unified: Bool, _ privileged: Bool, _ expected: Bool) throws {
        let b = try Self.bundle { i in
            i.hostCgroupV2 = unified
            i.security.privileged = privileged
        }
        #expect(b.linux.namespaces.contains { $0.type == "cgroup" && $0.path == nil } == expected)
    }

    @Test(arguments: [true, false])
    func etcFilesAreReadOnlyExactlyWithTheRoot(_ readonly: Bool) throws {
        let b = try Self.bundle { $0.security.readonlyRootfs = readonly }
        for dest in ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"] {
            let options = try #require(b.mounts.first { $0.destination == dest }?.options)
            #expect(options.contains(readonly ? "ro" : "rw") && !options.contains(readonly ? "rw" : "ro"), "\(dest): \(options)")
        }
    }

    @Test func devShmIsTheGivenBindOrElseATmpfsOfItsOwn() throws {
        let shared = try #require(try Self.bundle { $0.shm = "/run/sb/shm" }.mounts.filter { $0.destination == "/dev/shm" }.first)
        #expect(shared.type == "bind" && shared.source == "/run/sb/shm")
        #expect(["rbind", "nosuid", "nodev", "noexec"].allSatisfy(shared.options.contains))
        let own = try Self.bundle().mounts.filter { $0.destination == "/dev/shm" }
        #expect(own.count == 1 && own.first?.type == "tmpfs")
        // /dev/shm stays after /dev, which would hide it.
        let order = try Self.bundle { $0.shm = "/dev/shm" }.mounts.map(\.destination)
        #expect(try #require(order.firstIndex(of: "/dev")) < #require(order.firstIndex(of: "/dev/shm")))
    }

    @Test func thePodsSysctlsGoToLinuxSysctl() throws {
        #expect(try Self.bundle { $0.sysctls = ["net.ipv4.ip_local_port_range": "1024 65000"] }.linux.sysctl
                == ["net.ipv4.ip_local_port_range": "1024 65000"])
        #expect(!(try Self.json(Self.bundle())).contains("sysctl"))
    }
}
