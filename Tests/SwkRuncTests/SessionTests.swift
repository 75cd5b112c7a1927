import Glibc
import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// What a container process shares with the runtime that started it: its session (and so a
/// controlling terminal), its session keyring, its cgroup paths. Checked from inside by a small
/// static probe, for swkube-runc and, as the control, Debian's runc.
let canBuildStaticProbe = FS.exists("/usr/bin/cc") && FS.exists("/usr/lib/x86_64-linux-gnu/libc.a")

@Suite(.enabled(if: Fixture.isRoot && canBuildStaticProbe, "needs root, cc and a static libc"))
struct SessionTests {
    static let runtimes = [Fixture.runtime] + (FS.exists("/usr/sbin/runc") ? ["/usr/sbin/runc"] : [])

    static let probeSource = #"""
        #define _GNU_SOURCE
        #include <errno.h>
        #include <linux/keyctl.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        int main(int argc, char **argv) {
            if (argc == 2 && strcmp(argv[1], "session") == 0) {  // "serial description" of @s
                long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
                char desc[256] = "";
                long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc - 1);
                desc[n > 0 && n < 256 ? n : 0] = 0;
                printf("%ld %s\n", id, desc);
                return 0;
            }
            if (argc == 2 && strcmp(argv[1], "sid") == 0) {  // "pid sid"
                printf("%d %d\n", (int)getpid(), (int)getsid(0));
                return 0;
            }
            if (argc == 3 && strcmp(argv[1], "read") == 0) {  // reads the key whose serial is in argv[2]
                FILE *f = fopen(argv[2], "r");
                long key = 0;
                if (f == NULL || fscanf(f, "%ld", &key) != 1) return 2;
                char buf[64];
                long n = syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof buf);
                if (n >= 0) printf("read %.*s\n", (int)(n < 64 ? n : 64), buf);
                else printf("denied %s\n", strerror(errno));
                return 0;
            }
            if (argc > 3 && strcmp(argv[1], "keyed") == 0) {  // a fresh session with a secret key, then exec
                if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) { perror("join"); return 2; }
                long key = syscall(SYS_add_key, "user", "swk-canary", "canary-secret", 13, KEY_SPEC_SESSION_KEYRING);
                if (key < 0) { perror("add_key"); return 2; }
                // Possessor permissions only: reachable through the session keyring, not by uid.
                if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, 0x3f000000) < 0) { perror("setperm"); return 2; }
                FILE *f = fopen(argv[2], "w");
                if (f == NULL) return 2;
                fprintf(f, "%ld\n", key);
                fclose(f);
                execv(argv[3], argv + 3);
                perror("execv");
                return 127;
            }
            return 2;
        }
        """#

    /// A fixture whose rootfs holds the probe at /probe (also returned as a host path).
    static func fixture(_ tag: String) throws -> (Fixture, String) {
        let f = try Fixture(tag)
        try FS.writeAtomic("\(f.dir)/probe.c", probeSource)
        let probe = "\(f.bundle)/rootfs/probe"
        let out = try Spawn.run(["/usr/bin/cc", "-static", "-O1", "-o", probe, "\(f.dir)/probe.c"])
        guard out.status == 0 else { throw SwkError(.internal, "cc probe.c: \(out.stderr)") }
        return (f, probe)
    }

    /// The runtime's session keyring holds a key only its possessors may read: the container
    /// must not possess it (its init joins a keyring of its own, as runc's does).
    @Test(arguments: runtimes)
    func aContainerCannotReadTheRuntimesSessionKeys(runtime: String) throws {
        let (f, probe) = try Self.fixture("keys")
        defer { f.cleanup() }
        f.spec.process?.args = ["/probe", "read", "/serial"]
        try f.writeConfig()
        let out = try Spawn.run([probe, "keyed", "\(f.bundle)/rootfs/serial",
                                 runtime, "--root", f.root, "run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.hasPrefix("denied "), "stdout: \(out.stdout)")
    }

    /// The init's session keyring is "_ses.<id>"; an exec process joins that same keyring.
    @Test(arguments: runtimes)
    func execProcessesJoinTheContainersKeyring(runtime: String) throws {
        let (f, _) = try Self.fixture("keyexec")
        defer { f.cleanup() }
        f.script("/probe session > /init-session; exec sleep 1000")
        try f.writeConfig()
        #expect(try f.runtime(["run", "-d", "--bundle", f.bundle, f.id], binary: runtime).status == 0)
        let initSession = "\(f.bundle)/rootfs/init-session"
        #expect(f.eventually { ((try? FS.readString(initSession)) ?? "").hasSuffix("\n") })
        let exec = try f.runtime(["exec", f.id, "/probe", "session"], binary: runtime)
        #expect(exec.status == 0, "stderr: \(exec.stderr)")
        let ours = (try? FS.readString(initSession)) ?? ""
        #expect(ours.hasSuffix(";_ses.\(f.id)\n"), "init: \(ours)")
        #expect(exec.stdout == ours, "exec: \(exec.stdout)")
        _ = try f.runtime(["delete", "--force", f.id], binary: runtime)
    }

    /// The init and an exec process each lead a session of their own: no controlling terminal
    /// of the caller's to type into (TIOCSTI).
    @Test(arguments: runtimes)
    func initAndExecProcessesLeadTheirOwnSession(runtime: String) throws {
        let (f, _) = try Self.fixture("sid")
        defer { f.cleanup() }
        f.script("/probe sid > /init-sid; exec sleep 1000")
        try f.writeConfig()
        #expect(try f.runtime(["run", "-d", "--bundle", f.bundle, f.id], binary: runtime).status == 0)
        let initSid = "\(f.bundle)/rootfs/init-sid"
        #expect(f.eventually { ((try? FS.readString(initSid)) ?? "").hasSuffix("\n") })
        let exec = try f.runtime(["exec", f.id, "/probe", "sid"], binary: runtime)
        #expect(exec.status == 0, "stderr: \(exec.stderr)")
        // The probe runs as a child of the init's shell (pid 1) and as the exec process itself.
        let initIDs = ((try? FS.readString(initSid)) ?? "").split(whereSeparator: \.isWhitespace)
        #expect(initIDs.count == 2 && initIDs[1] == "1", "init's child: pid and session \(initIDs)")
        let execIDs = exec.stdout.split(whereSeparator: \.isWhitespace)
        #expect(execIDs.count == 2 && execIDs[0] == execIDs[1], "exec: pid and session \(execIDs)")
        _ = try f.runtime(["delete", "--force", f.id], binary: runtime)
    }

    /// With a cgroup namespace the container sees its own cgroups as the root, on every
    /// hierarchy (v1 controllers and the v2 one of a hybrid host).
    @Test(arguments: runtimes)
    func aCgroupNamespaceShowsTheContainersCgroupAsRoot(runtime: String) throws {
        let f = try Fixture("cgns")
        defer { f.cleanup() }
        f.spec.linux?.namespaces?.append(LinuxNamespace(type: "cgroup"))
        f.script("cat /proc/self/cgroup")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id], binary: runtime)
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let lines = out.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines { #expect(line.hasSuffix(":/"), "\(line)") }
    }
}
