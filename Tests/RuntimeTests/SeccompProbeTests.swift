import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

/// A static probe (Tests/Fixtures/seccomp_probe.c) inside a RuntimeDefault container, through
/// the runtime's own bundle, under swkube-runc and under Debian's runc: what the profile denies
/// fails with its errno, what programs need works, and the i386 entry point is filtered, not
/// killed. The probe also runs on the host first, so a denial is the filter's, not the kernel's.
@Suite(.enabled(if: TestEnvironment.canRunContainers && SeccompProbe.compiler != nil,
                "needs root, /bin/busybox, a built swkube-shim and a C compiler with a static libc"))
struct SeccompProbeTests {
    static let swkubeRunc = "\(FS.dirname(of: TestEnvironment.shimPath))/swkube-runc"

    @Test(.enabled(if: access(swkubeRunc, X_OK) == 0, "needs a built swkube-runc"))
    func runtimeDefaultUnderSwkubeRunc() async throws {
        try await Self.check(runtime: Self.swkubeRunc)
    }

    @Test(.enabled(if: access("/usr/sbin/runc", X_OK) == 0, "needs Debian's runc"))
    func runtimeDefaultUnderDebianRunc() async throws {
        try await Self.check(runtime: "/usr/sbin/runc")
    }

    static func check(runtime: String) async throws {
        try await Harness.with(configure: { $0.runtimePath = runtime }) { h in
            try SeccompProbe.build(into: "\(h.rootfs)/bin/seccomp-probe")
            let host = try SeccompProbe.results(Spawn.run(["\(h.rootfs)/bin/seccomp-probe"]).stdout.split(separator: "\n").map(String.init))
            #expect(host["io_uring_setup"] == "0" && host["personality_read_implies_exec"] == "0", "the host baseline: \(host)")
            let sandbox = try await h.runtime.runPodSandbox(h.sandboxConfig())
            let confined = try await SeccompProbe.run(h, sandbox, "confined") { _ in }
            print("\(FS.basename(of: runtime)) RuntimeDefault probe: \(confined.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
            // Denied: EPERM (the default action); clone3 ENOSYS so libc falls back to clone; mseal,
            // newer than every call the profile names, ENOSYS (runc's stub, which swkube-runc has too).
            for name in ["io_uring_setup", "socket_vsock", "clone_newuser", "unshare_newuser", "personality_read_implies_exec"] {
                #expect(confined[name] == "\(EPERM)", "\(name): \(confined)")
            }
            #expect(confined["mseal"] == "\(ENOSYS)" && confined["clone3"] == "\(ENOSYS)", "\(confined)")
            for name in ["personality_query", "personality_linux", "socket_unix", "openat", "statx", "epoll_create1", "getpid", "fork"] {
                #expect(confined[name] == "0", "\(name): \(confined)")
            }
            if host["ia32_getpid"] == "0" {
                #expect(confined["ia32_getpid"] == "0", "a 32-bit call is filtered by the x86 rules: \(confined)")
            } else {
                print("skipping the i386 check: this kernel does not run 32-bit calls (\(host["ia32_getpid"] ?? "?"))")
            }
            // CAP_SYS_ADMIN lifts the namespace restrictions, as containerd's profile does.
            let admin = try await SeccompProbe.run(h, sandbox, "admin") { s in
                s.capabilities = Capability(addCapabilities: ["SYS_ADMIN"])
            }
            #expect(admin["clone_newuser"] == "0" && admin["unshare_newuser"] == "0", "\(admin)")
            #expect(admin["clone3"] == host["clone3"], "clone3 reaches the kernel: \(admin)")
            #expect(admin["io_uring_setup"] == "\(EPERM)", "\(admin)")
        }
    }
}

enum SeccompProbe {
    static let source = "\(FS.dirname(of: FS.dirname(of: #filePath)))/Fixtures/seccomp_probe.c"

    /// A C compiler that can link statically (the probe runs in a rootfs without a libc).
    static let compiler: String? = {
        let libc = ["/usr/lib/x86_64-linux-gnu/libc.a", "/usr/lib/aarch64-linux-gnu/libc.a"]
        guard let cc = ["/usr/bin/cc", "/usr/bin/gcc"].first(where: { FS.exists($0) }), libc.contains(where: { FS.exists($0) })
        else { return nil }
        return cc
    }()

    static func build(into path: String) throws {
        let out = try Spawn.run([compiler ?? "cc", "-static", "-O1", "-o", path, source])
        guard out.status == 0 else { throw SwkError(.internal, "cc \(source): \(out.stderr)") }
    }

    /// `name result` lines → name: result.
    static func results(_ lines: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: " ")
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    /// Runs the probe in a RuntimeDefault container of `sandbox`; returns its results.
    static func run(_ h: Harness, _ sandbox: String, _ name: String,
                    _ configure: (inout LinuxContainerSecurityContext) -> Void) async throws -> [String: String] {
        let sc = h.sandboxConfig()
        var cc = h.containerConfig(name: name, ["/bin/seccomp-probe"])
        cc.linux.securityContext.seccomp = SecurityProfile(profileType: .runtimeDefault)
        configure(&cc.linux.securityContext)
        let id = try await h.runtime.createContainer(sandbox, cc, sc)
        try await h.runtime.startContainer(id)
        #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
        let status = try await h.runtime.containerStatus(id)
        let lines = try criLogLines(status.logPath)
        #expect(status.exitCode == 0, "\(name): \(lines.map(\.text))")
        return results(lines.filter { $0.stream == "stdout" }.map(\.text))
    }
}
