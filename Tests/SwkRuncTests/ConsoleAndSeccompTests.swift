import CSwkSys
import Glibc
import OCI
import SwkSupport
import Testing

/// `terminal: true` with a console socket (the pty master arrives over SCM_RIGHTS, as from runc),
/// and seccomp denials seen from inside.
@Suite(.enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct ConsoleAndSeccompTests {
    @Test func consoleSocketReceivesThePtyMaster() throws {
        let f = try Fixture("tty")
        defer { f.cleanup() }
        f.spec.process?.terminal = true
        f.script("tty; echo console-ok")
        try f.writeConfig()
        let socketPath = "\(f.dir)/console.sock"
        let listener = try listen(socketPath)
        defer { close(listener) }
        let created = try f.runtime(["create", "--bundle", f.bundle, "--console-socket", socketPath, f.id])
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let conn = accept(listener, nil, nil)
        try #require(conn >= 0)
        defer { close(conn) }
        let master = swk_recv_fd(conn)
        try #require(master >= 0)
        defer { close(master) }
        #expect(try f.runtime(["start", f.id]).status == 0)
        var text = ""
        var buf = [UInt8](repeating: 0, count: 512)
        while !text.contains("console-ok") {
            let n = buf.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if n <= 0 { break }  // EIO once the container closed its side
            text += String(decoding: buf[0..<n], as: UTF8.self)
        }
        #expect(text.contains("/dev/pts/0"), "output: \(text)")
        #expect(text.contains("console-ok"))
    }

    /// With no_new_privs the filter is loaded last; without, before capabilities are dropped.
    @Test(arguments: [true, false])
    func seccompDeniesWithTheConfiguredErrno(noNewPrivileges: Bool) throws {
        let f = try Fixture("seccomp")
        defer { f.cleanup() }
        f.spec.process?.noNewPrivileges = noNewPrivileges
        f.spec.linux?.seccomp = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EPERM))])
        f.script("mkdir /tmp/x 2>&1; touch /ok && echo touch-ok; grep Seccomp: /proc/self/status")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("Operation not permitted"), "\(out.stdout)")
        #expect(out.stdout.contains("touch-ok"))
        #expect(out.stdout.contains("Seccomp:\t2"))
    }

    /// Two comparisons of the same argument in one rule mean "either" (runtime-tools' default
    /// profile has three for personality(2)); libseccomp rejects them in one rule.
    @Test func seccompRuleWithRepeatedArgumentMatchesEither() throws {
        let f = try Fixture("seccomp-args")
        defer { f.cleanup() }
        // kill(2) is denied for SIGUSR1 (10) or SIGUSR2 (12), allowed for SIGTERM (ignored here).
        f.spec.linux?.seccomp = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [LinuxSyscall(names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EPERM),
                                    args: [LinuxSeccompArg(index: 1, value: 10, op: "SCMP_CMP_EQ"),
                                           LinuxSeccompArg(index: 1, value: 12, op: "SCMP_CMP_EQ")])])
        f.script("trap '' USR1 USR2 TERM; for s in USR1 USR2 TERM; do kill -s $s $$ 2>/dev/null && echo sent-$s || echo denied-$s; done")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("denied-USR1") && out.stdout.contains("denied-USR2"), "\(out.stdout)")
        #expect(out.stdout.contains("sent-TERM"), "\(out.stdout)")
    }

    @Test func userAndCapabilitiesApply() throws {
        let f = try Fixture("user")
        defer { f.cleanup() }
        f.spec.process?.user = User(uid: 1000, gid: 1000, additionalGids: [5, 6])
        // A non-root execve keeps only ambient capabilities (which need inheritable as well).
        f.spec.process?.capabilities = LinuxCapabilities(
            bounding: ["CAP_KILL"], effective: ["CAP_KILL"], inheritable: ["CAP_KILL"], permitted: ["CAP_KILL"],
            ambient: ["CAP_KILL"])
        f.spec.process?.noNewPrivileges = true
        try FS.writeAtomic("\(f.bundle)/rootfs/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
        f.script("id; echo home=$HOME; grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("uid=1000(app) gid=1000 groups=5,6"), "\(out.stdout)")
        #expect(out.stdout.contains("home=/home/app"), "HOME from the rootfs's /etc/passwd")
        #expect(out.stdout.contains("CapEff:\t0000000000000020"))
        #expect(out.stdout.contains("CapBnd:\t0000000000000020"))
        #expect(out.stdout.contains("NoNewPrivs:\t1"))
    }

    private func listen(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SwkError.errno("socket") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0, Glibc.listen(fd, 1) == 0 else { close(fd); throw SwkError.errno("listen \(path)") }
        return fd
    }
}
