import Glibc
import SwkSupport
import Testing
import TestSupport

/// `swkubectl exec` without `-t` and the `swkube` reader group, on a live node (issue 11).
@Suite(.serialized, .enabled(if: NodeHarness.isRoot && FS.exists("/usr/bin/setpriv"),
                             "needs root and setpriv (util-linux)"))
struct ExecIsolationEndToEndTests {
    /// Tries to type into whatever terminal it can reach: `TIOCSTI` on fds 0–2 and on /dev/tty
    /// (the controlling terminal); prints whether fds 0–2 are terminals and each errno (0 = typed).
    static let probeSource = """
        #include <errno.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <sys/ioctl.h>
        #include <unistd.h>
        int main(void) {
            char c = 'x';
            int tty[3], sti[3];
            for (int fd = 0; fd < 3; fd++) {
                tty[fd] = isatty(fd);
                sti[fd] = ioctl(fd, TIOCSTI, &c) == 0 ? 0 : errno;
            }
            int t = open("/dev/tty", O_RDWR | O_NOCTTY);
            int dev = t < 0 ? errno : (ioctl(t, TIOCSTI, &c) == 0 ? 0 : errno);
            printf("tty=%d,%d,%d sti=%d,%d,%d devtty=%d\\n", tty[0], tty[1], tty[2], sti[0], sti[1], sti[2], dev);
            return 0;
        }

        """

    static let compiler = ["/usr/bin/cc", "/usr/bin/gcc"].first(where: FS.exists)

    /// A privileged pod (CAP_SYS_ADMIN: `TIOCSTI` works on any terminal it holds, controlling or
    /// not) with the static probe in a hostPath volume at /probe.
    static func startProbePod(_ node: NodeHarness) throws {
        let dir = "\(node.dir)/probe"
        try FS.makeDirectories(dir)
        try FS.writeAtomic("\(dir)/tiocsti.c", probeSource)
        let built = try Spawn.run([try #require(compiler), "-static", "-O2", "-o", "\(dir)/tiocsti", "\(dir)/tiocsti.c"])
        try #require(built.status == 0, "\(built.stderr)")
        try node.write("typist.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: typist}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
                - name: main
                  image: localhost/swkube-demo:1.0
                  command: ["sleep", "1000"]
                  securityContext: {privileged: true}
                  volumeMounts: [{name: probe, mountPath: /probe, readOnly: true}]
              volumes: [{name: probe, hostPath: {path: \(dir), type: Directory}}]

            """)
        try node.start()
        try #require(try waitUntil(seconds: 30) { try node.status("typist") == "Running" }, "\(node.daemonLog)")
    }

    @Test(.enabled(if: compiler != nil, "needs a C compiler for the in-container probe"),
          arguments: HostAccessEndToEndTests.runtimes)
    func aNonTTYExecCannotTypeIntoTheOperatorsTerminal(runtime: String) throws {
        let node = try HostAccessEndToEndTests.node(runtime)
        defer { node.shutdown() }
        try Self.startProbePod(node)

        // The operator's terminal: swkubectl runs as the session leader of a pty's slave, its
        // controlling terminal, on fds 0–2 (as from an interactive shell).
        // posix_openpt/unlockpt/ptsname by hand (Glibc's module hides them): TIOCSPTLCK, TIOCGPTN.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        defer { close(master) }
        var unlock: Int32 = 0, number: UInt32 = 0
        try #require(withUnsafeMutablePointer(to: &unlock) { ioctl(master, 0x4004_5431, $0) } == 0)
        try #require(withUnsafeMutablePointer(to: &number) { ioctl(master, 0x8004_5430, $0) } == 0)
        let slaveName = "/dev/pts/\(number)"
        let slave = open(slaveName, O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(slave >= 0)
        defer { close(slave) }
        // Raw: a typed byte is readable at once, no line needed.
        var mode = termios()
        tcgetattr(slave, &mode)
        cfmakeraw(&mode)
        tcsetattr(slave, TCSANOW, &mode)

        let kubectl = ["\(NodeHarness.binDir)/swkubectl", "--root-dir", node.root, "--pod-manifest-path", node.manifests]
        let ran = try Spawn.run(["/usr/bin/setsid", "-w", "/bin/sh", "-c", "exec \"$0\" \"$@\" <>\(slaveName) >&0 2>&0"]
                                + kubectl + ["exec", "typist", "--", "/probe/tiocsti"])
        #expect(ran.status == 0, "\(ran.stderr)")

        var pending: Int32 = 0
        #expect(withUnsafeMutablePointer(to: &pending) { ioctl(slave, UInt(FIONREAD), $0) } == 0)
        #expect(pending == 0, "the container typed \(pending) byte(s) into the operator's terminal")
        _ = fcntl(master, F_SETFL, O_NONBLOCK)
        var buf = [UInt8](repeating: 0, count: 4096)
        let got = read(master, &buf, buf.count)
        let said = got > 0 ? String(decoding: buf[0..<got], as: UTF8.self) : ""
        // Not vacuous where TIOCSTI is off (dev.tty.legacy_tiocsti=0): the probe held no terminal at all.
        #expect(said.contains("tty=0,0,0 "), "probe: \(said)")
        #expect(!said.contains("devtty=0"), "probe: \(said)")
    }

    @Test(.enabled(if: compiler != nil, "needs a C compiler for the in-container probe"))
    func aNonTTYExecRelaysInputToEOFOutputAndTheExitStatus() throws {
        let node = try HostAccessEndToEndTests.node("swkube-runc")
        defer { node.shutdown() }
        try Self.startProbePod(node)
        let input = "\(node.dir)/input"
        try FS.writeAtomic(input, "line one\nline two\n")
        let fd = open(input, O_RDONLY | O_CLOEXEC), again = open(input, O_RDONLY | O_CLOEXEC)
        defer { close(fd); close(again) }
        let out = try Spawn.run(["\(NodeHarness.binDir)/swkubectl", "--root-dir", node.root, "exec", "-i", "typist", "--",
                                 "sh", "-c", "cat; echo err >&2; exit 3"], stdin: .fd(fd))
        #expect(out.status == 3 && out.stdout == "line one\nline two\n", "\(out)")
        #expect(out.stderr == "err\ncommand terminated with exit code 3\n", "\(out.stderr)")
        // Without -i the command reads /dev/null, not our input.
        let none = try Spawn.run(["\(NodeHarness.binDir)/swkubectl", "--root-dir", node.root, "exec", "typist", "--", "cat"],
                                 stdin: .fd(again))
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none)")
    }

    @Test(.enabled(if: compiler != nil, "needs a C compiler for the in-container probe"),
          arguments: HostAccessEndToEndTests.runtimes)
    func aNonTTYExecStreamsOutputAsItComesAndForwardsSIGINT(runtime: String) throws {
        let node = try HostAccessEndToEndTests.node(runtime)
        defer { node.shutdown() }
        try Self.startProbePod(node)
        var p: [Int32] = [-1, -1]
        try #require(pipe(&p) == 0)
        defer { close(p[0]) }
        let pid = try Spawn.start(["\(NodeHarness.binDir)/swkubectl", "--root-dir", node.root, "exec", "typist", "--",
                                   "sh", "-c", "trap 'echo got INT; exit 5' INT; echo ready; sleep 100 >/dev/null 2>&1 & wait"],
                                  stdout: .fd(p[1]))
        close(p[1])
        // "ready" arrives while the command still runs: the relay does not hold output back.
        var seen = ""
        let deadline = monotonicSeconds() + 30
        while !seen.contains("ready\n") && monotonicSeconds() < deadline {
            var fds = [pollfd(fd: p[0], events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, 1000) >= 0 else { break }
            var buf = [UInt8](repeating: 0, count: 256)
            let got = fds[0].revents != 0 ? read(p[0], &buf, buf.count) : 0
            if got > 0 { seen += String(decoding: buf[0..<got], as: UTF8.self) }
            if fds[0].revents != 0 && got <= 0 { break }
        }
        #expect(seen == "ready\n", "\(seen)")
        kill(pid, SIGINT)
        let status = try Spawn.wait(pid)
        var rest = [UInt8](repeating: 0, count: 256)
        let got = read(p[0], &rest, rest.count)
        #expect(status == 5 && got > 0 && String(decoding: rest[0..<got], as: UTF8.self) == "got INT\n", "status \(status)")
    }

    @Test func theSwkubeGroupReadsStateAndLogsAndOtherUsersDoNot() throws {
        var created = false
        if HostAccess.readerGroup() == nil {
            let added = try Spawn.run(["/usr/sbin/groupadd", "--system", HostAccess.readerGroupName])
            try #require(added.status == 0, "groupadd: \(added.stderr)")
            created = true
        }
        defer { if created { _ = try? Spawn.run(["/usr/sbin/groupdel", HostAccess.readerGroupName]) } }
        let gid = try #require(HostAccess.readerGroup())
        let node = try HostAccessEndToEndTests.node("swkube-runc")
        defer { node.shutdown() }
        try node.start()
        try node.write("talker.yaml", NodeEndToEndTests.podYAML("talker", script: "echo hello; exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { node.logLines("talker", container: "main").contains("hello") }, "\(node.daemonLog)")

        // A copy beside the node's 0755 test directory: the build directory of the checkout may be
        // out of the unprivileged user's reach (a clone under a 0700 temp directory).
        let cli = "\(node.dir)/swkubectl"
        try FS.writeAtomic(cli, try FS.readBytes("\(NodeHarness.binDir)/swkubectl"), mode: 0o755)
        let kubectl = [cli, "--root-dir", node.root]
        let member = try HostAccessEndToEndTests.asNobody(kubectl + ["get", "pods"], groups: [gid])
        #expect(member.status == 0 && member.stdout.contains("talker"), "\(member)")
        let logs = try HostAccessEndToEndTests.asNobody(kubectl + ["logs", "talker"], groups: [gid])
        #expect(logs.status == 0 && logs.stdout == "hello\n", "\(logs)")
        let described = try HostAccessEndToEndTests.asNobody(kubectl + ["describe", "pod", "talker"], groups: [gid])
        #expect(described.status == 0 && described.stdout.contains("Status:       Running"), "\(described)")
        let events = try HostAccessEndToEndTests.asNobody(kubectl + ["get", "events"], groups: [gid])
        #expect(events.status == 0 && events.stdout.contains("Started"), "\(events)")
        let other = try HostAccessEndToEndTests.asNobody(kubectl + ["get", "pods"])
        #expect(other.status != 0 && other.stderr.contains("permission denied"), "\(other)")
        let otherLogs = try HostAccessEndToEndTests.asNobody(kubectl + ["logs", "talker"])
        #expect(otherLogs.status != 0 && !otherLogs.stdout.contains("hello"), "\(otherLogs)")

        // The daemon's clean exit keeps -wal and -shm: members still read the last state.
        node.stopDaemon()
        let later = try HostAccessEndToEndTests.asNobody(kubectl + ["get", "pods"], groups: [gid])
        #expect(later.status == 0 && later.stdout.contains("talker"), "\(later)")
        try node.start()  // so that shutdown removes the pod
    }
}
