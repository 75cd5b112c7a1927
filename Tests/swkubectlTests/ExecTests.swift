import Glibc
@testable import KubeCtl
import StateStore
import SwkSupport
import Testing

/// `swkube-runc` of this build, beside the test bundle.
private let runtimeBinary: String? = {
    var dir = FS.dirname(of: FS.absolute(CommandLine.arguments[0]))
    while !dir.isEmpty && dir != "/" && !FS.exists("\(dir)/swkube-runc") { dir = FS.dirname(of: dir) }
    return FS.exists("\(dir)/swkube-runc") ? "\(dir)/swkube-runc" : nil
}()

private let canRunContainers = getuid() == 0 && runtimeBinary != nil && FS.exists("/bin/busybox")

/// A busybox container started with `swkube-runc run -d` under `<run>/runc`, recorded in the
/// state database as the running container of pod `box`.
private final class RunningContainer {
    let node: FixtureNode
    let runtime: String
    let id: String
    let cgroup: String
    var run: String { "\(node.root)/run" }

    init() throws {
        node = try FixtureNode(populate: false)
        runtime = try #require(runtimeBinary)
        id = "swkubectl-exec-\(FS.basename(of: node.root).split(separator: "-").last ?? "x")"
        cgroup = "/\(id)"
        let bundle = "\(node.root)/bundle"
        try FS.makeDirectories("\(bundle)/rootfs/bin")
        try FS.writeAtomic("\(bundle)/rootfs/bin/busybox", try FS.readBytes("/bin/busybox"), mode: 0o755)
        for applet in ["sh", "cat", "echo", "sleep", "test"] { symlink("busybox", "\(bundle)/rootfs/bin/\(applet)") }
        let spec = try Spawn.run([runtime, "spec", "--bundle", bundle])
        try #require(spec.status == 0, "\(spec.stderr)")
        var config = try FS.readString("\(bundle)/config.json")
        // Whatever the spec writer's spacing: no terminal, a long sleep, our own cgroup.
        config = config.replacing(/"terminal"\s*:\s*true/, with: #""terminal": false"#)
            .replacing(/"args"\s*:\s*\[\s*"sh"\s*\]/, with: #""args": ["sleep", "1000"]"#)
            .replacing(/"linux"\s*:\s*\{/, with: #""linux": { "cgroupsPath": "\#(cgroup)","#)
        try FS.writeAtomic("\(bundle)/config.json", config)
        let started = try Spawn.run([runtime, "--root", "\(run)/runc", "run", "--detach", "--bundle", bundle, id])
        try #require(started.status == 0, "\(started.stderr)")

        let store = try StateStore(path: node.paths.statePath)
        var c = ContainerRecord(name: "main", image: "busybox", state: .running)
        c.containerID = id
        try store.upsertPod(FixtureNode.pod("box", phase: .running, age: minute, [c]))
    }

    deinit {
        _ = try? Spawn.run([runtime, "--root", "\(run)/runc", "delete", "--force", id])
        for controller in ["memory", "cpu", "cpuacct", "pids", "devices", "freezer", "blkio", "cpuset", "unified", "systemd"] {
            rmdir("/sys/fs/cgroup/\(controller)\(cgroup)")
        }
    }

    /// Runs swkubectl with stdout/stderr captured in files and `input` as stdin.
    func exec(_ args: [String], input: String = "") throws -> (Output, String, String) {
        let out = tmpfile(), err = tmpfile()
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        _ = Array(input.utf8).withUnsafeBytes { FS.writeAll(fds[1], $0) }
        close(fds[1])
        defer { close(fds[0]); fclose(out); fclose(err) }
        var ctx = fixedContext()
        ctx.stdinFD = fds[0]
        ctx.stdoutFD = fileno(out)
        ctx.stderrFD = fileno(err)
        let result = Swkubectl.execute(["--root-dir", node.root, "--run-dir", run, "--runtime", runtime, "exec"] + args, ctx)
        func text(_ f: UnsafeMutablePointer<FILE>?) -> String {
            lseek(fileno(f), 0, SEEK_SET)
            return String(decoding: (try? readAll(fileno(f))) ?? [], as: UTF8.self)
        }
        return (result, text(out), text(err))
    }
}

@Suite(.serialized) struct ExecCommandTests {
    @Test(.enabled(if: canRunContainers, "needs root, /bin/busybox and a built swkube-runc"))
    func runsCommandsInTheContainer() throws {
        let box = try RunningContainer()
        var (out, stdout, stderr) = try box.exec(["box", "--", "echo", "hello"])
        #expect(out == Output() && stdout == "hello\n" && stderr.isEmpty, "\(out) \(stderr)")

        (out, stdout, stderr) = try box.exec(["box", "-c", "main", "--", "sh", "-c", "echo oops >&2; exit 3"])
        #expect(out == Output(stderr: "command terminated with exit code 3\n", exitCode: 3))
        #expect(stdout.isEmpty && stderr == "oops\n")

        (out, stdout, _) = try box.exec(["-i", "box", "--", "cat"], input: "typed\n")
        #expect(out == Output() && stdout == "typed\n", "\(out)")
        (out, stdout, _) = try box.exec(["box", "--", "cat"], input: "not passed\n")
        #expect(out == Output() && stdout.isEmpty)
    }

    @Test(.enabled(if: canRunContainers, "needs root, /bin/busybox and a built swkube-runc"))
    func ttyGivesTheCommandATerminal() throws {
        let box = try RunningContainer()
        let (out, stdout, stderr) = try box.exec(["-t", "box", "--", "sh", "-c", "test -t 0 && test -t 1 && echo on a tty"])
        #expect(out == Output(), "\(stderr)")
        #expect(stdout == "on a tty\r\n")
    }

    @Test func refusals() throws {
        let node = try FixtureNode()
        #expect(node.run("exec", "done", "--", "sh") == Output(
            stderr: "error: cannot exec into a container in a completed pod; current phase is Succeeded\n", exitCode: 1))
        #expect(node.run("exec", "creating", "--", "sh") == Output(
            stderr: "error: unable to upgrade connection: container not found (\"app\")\n", exitCode: 1))
        #expect(node.run("exec", "agent", "-n", "kube-system", "--", "sh").stderr.hasPrefix("error: a container name must be specified"))
        #expect(node.run("exec", "web").stderr.contains("you must specify at least one command for the container"))
        #expect(node.run("--runtime", "/nonexistent/runc", "exec", "web", "--", "sh") ==
                Output(stderr: "error: oci runtime /nonexistent/runc is not executable (use --runtime)\n", exitCode: 1))
    }
}

/// The runtime's state root comes from the daemon's row: a runtime that writes its arguments
/// shows which `--root` swkubectl passed.
@Suite struct ExecRuntimeRootTests {
    private func rootPassed(_ node: FixtureNode, _ settings: DaemonSettings) throws -> String {
        let store = try StateStore(path: node.paths.statePath)
        try store.setDaemonSettings(settings, pid: 4242, at: now - second)
        let out = tmpfile(), err = tmpfile()
        defer { fclose(out); fclose(err) }
        var ctx = fixedContext()
        ctx.stdoutFD = fileno(out)
        ctx.stderrFD = fileno(err)
        let result = Swkubectl.execute(["--root-dir", node.root, "exec", "web", "--", "true"], ctx)
        #expect(result == Output())
        let argv = try FS.readString("\(node.root)/argv").split(separator: "\n").map(String.init)
        let at = try #require(argv.firstIndex(of: "--root"))
        #expect(argv.dropFirst(at + 2).first == "exec" && argv.suffix(2) == ["5d2a6f0c1b3e", "true"], "\(argv)")
        return argv[at + 1]
    }

    @Test func recordedRootElseTheRunDirs() throws {
        let node = try FixtureNode()
        let runtime = "\(node.root)/fake-runc"
        try FS.writeAtomic(runtime, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(node.root)/argv\n", mode: 0o755)
        #expect(try rootPassed(node, DaemonSettings(runtime: runtime, runDir: "\(node.root)/run",
                                                    runtimeRoot: "\(node.root)/state/oci")) == "\(node.root)/state/oci")
        // A daemon that did not record it (an older swkubelet): its run directory's `runc`.
        #expect(try rootPassed(node, DaemonSettings(runtime: runtime, runDir: "\(node.root)/run")) == "\(node.root)/run/runc")
    }
}
