import Glibc
@testable import KubeCtl
import StateStore
import SwkSupport
import Synchronization
import Testing

/// What a following command emitted, and a script of node changes run at each poll.
final class StreamRecorder: Sendable {
    let chunks = Mutex<[Output]>([])
    let steps: Mutex<[@Sendable () throws -> Void]>
    let failures = Mutex<[String]>([])

    init(steps: [@Sendable () throws -> Void]) {
        self.steps = Mutex(steps)
    }

    /// A fixed context whose `pause` runs the next step; once none are left the reader goes away.
    func context(daemonAlive: Bool = true) -> Context {
        var ctx = fixedContext(daemonAlive: daemonAlive)
        let done = Mutex(false)
        ctx.pause = { [self] _ in
            let step: (@Sendable () throws -> Void)? = steps.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let step else {
                done.withLock { $0 = true }
                return
            }
            do { try step() } catch { failures.withLock { $0.append("\(error)") } }
        }
        ctx.emit = { [self] out in
            chunks.withLock { $0.append(out) }
            return !done.withLock { $0 }
        }
        return ctx
    }

    var stdout: String { chunks.withLock { $0.map(\.stdout).joined() } }
}

private func append(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SwkError.errno("open \(path)") }
    defer { close(fd) }
    _ = Array(text.utf8).withUnsafeBytes { FS.writeAll(fd, $0) }
}

/// CRI log records at fixed times before `now`.
private func record(_ secondsAgo: Int64, _ text: String, _ stream: String = "stdout", _ tag: String = "F") -> String {
    "\(TimeText.rfc3339(now - secondsAgo * second).dropLast()).000000001Z \(stream) \(tag) \(text)\n"
}

@Suite struct LogsCommandTests {
    let node: FixtureNode
    var logDir: String { "\(node.root)/logs" }
    var webDir: String { "\(logDir)/default_web_default-web-uid/nginx" }

    init() throws {
        node = try FixtureNode()
        try FS.makeDirectories(webDir)
        try FS.writeAtomic("\(webDir)/1.log", record(600, "first run"))
        try FS.writeAtomic("\(webDir)/2.log", record(400, "previous run"))
        try FS.writeAtomic("\(webDir)/3.log",
            record(300, "old line") + record(200, "an error", "stderr", "F") + record(90, "long ", "stdout", "P")
            + record(89, "interleaved", "stderr", "F") + record(88, "line joined", "stdout", "F")
            + record(10, "", "stdout", "F") + record(5, "newest"))
    }

    func logs(_ args: String...) -> Output {
        node.run(["logs"] + args + ["--pod-log-dir", logDir])
    }

    @Test func printsTheCurrentRunJoiningPartialLines() {
        #expect(logs("web") == Output(stdout: "old line\nan error\ninterleaved\nlong line joined\n\nnewest\n"))
    }

    @Test func tailSinceTimestampsAndPrevious() {
        #expect(logs("web", "--tail", "2") == Output(stdout: "\nnewest\n"))
        #expect(logs("web", "--tail=0") == Output())
        #expect(logs("web", "--since", "1m30s") == Output(stdout: "interleaved\nlong line joined\n\nnewest\n"))
        #expect(logs("web", "--timestamps", "--tail", "1") == Output(stdout: "2026-12-01T11:59:55.000000001Z newest\n"))
        #expect(logs("web", "-p") == Output(stdout: "previous run\n"))
        #expect(logs("web", "-c", "nginx", "--previous", "--timestamps") == Output(stdout: "2026-12-01T11:53:20.000000001Z previous run\n"))
    }

    @Test func theDaemonsRecordedLogDirIsTheDefault() throws {
        let store = try StateStore(path: node.paths.statePath)
        try store.setDaemonSettings(DaemonSettings(podLogDir: logDir), pid: 4242, at: now)
        #expect(node.run("logs", "web", "--tail", "1") == Output(stdout: "newest\n"))
    }

    @Test func containerChoiceErrorsAreKubectls() throws {
        #expect(logs("agent", "-n", "kube-system") == Output(
            stderr: "error: a container name must be specified for pod agent, choose one of: [main sidecar]\n", exitCode: 1))
        #expect(logs("init") == Output(
            stderr: "Error from server (BadRequest): container \"app\" in pod \"init\" is waiting to start: PodInitializing\n", exitCode: 1))
        var setup = ContainerRecord(name: "setup", image: "busybox", state: .terminated)
        setup.isInit = true
        var pod = FixtureNode.pod("two", phase: .running, age: 0, [setup, FixtureNode.container("a", .running), FixtureNode.container("b", .running)])
        #expect(throws: Never.self) {
            guard case .failure(let e) = chooseContainer(pod, nil) else { throw SwkError(.internal, "chose one") }
            #expect(e.message == "error: a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [setup]\n")
        }
        pod.containers.removeLast()
        #expect(try chooseContainer(pod, nil).get().name == "a")
        #expect(logs("web", "-c", "php") == Output(stderr: "error: container php is not valid for pod web\n", exitCode: 1))
        #expect(logs("nope") == Output(stderr: "Error from server (NotFound): pods \"nope\" not found (did you mean \"done\"?)\n", exitCode: 1))
        #expect(logs("agent") == Output(
            stderr: "Error from server (NotFound): pods \"agent\" not found in namespace \"default\" (it exists in \"kube-system\": use -n kube-system)\n", exitCode: 1))
        #expect(logs("creating") == Output(
            stderr: "Error from server (BadRequest): container \"app\" in pod \"creating\" is waiting to start: ContainerCreating\n", exitCode: 1))
        #expect(logs("crash", "-p") == Output(
            stderr: "Error from server (BadRequest): previous terminated container \"loop\" in pod \"crash\" not found\n", exitCode: 1))
        #expect(logs("web", "--since", "5 minutes").stderr.contains("invalid duration \"5 minutes\""))
    }

    @Test func followPrintsNewLinesAndMovesToTheNextRun() throws {
        let dir = webDir, paths = node.paths
        let recorder = StreamRecorder(steps: [
            { try append("\(dir)/3.log", record(1, "one more")) },
            { try append("\(dir)/3.log", record(1, "half ", "stdout", "P")) },
            { try append("\(dir)/3.log", record(1, "done", "stdout", "F")) },
            {},
            // The container restarted: a new file.
            { try append("\(dir)/4.log", record(0, "after restart")) },
            { try StateStore(path: paths.statePath).deletePod(uid: "default-web-uid") },
        ])
        let out = Swkubectl.execute(["logs", "web", "-f", "--tail", "1", "--root-dir", node.root, "--pod-log-dir", logDir],
                                    recorder.context())
        #expect(out == Output())
        #expect(recorder.failures.withLock { $0 }.isEmpty)
        #expect(recorder.stdout == "newest\none more\nhalf done\nafter restart\n")
    }

    @Test func followCarriesOnAcrossARotation() throws {
        let dir = webDir, paths = node.paths
        let recorder = StreamRecorder(steps: [
            // Written to the file just before the shim renames it, then the new file's first line.
            { try append("\(dir)/3.log", record(1, "last before rotation")) },
            {
                guard rename("\(dir)/3.log", "\(dir)/3.log.20261201-120000.000000001") == 0 else { throw SwkError.errno("rename") }
                try append("\(dir)/3.log", record(2, "first after rotation"))
            },
            { try append("\(dir)/3.log", record(3, "and on")) },
            { try StateStore(path: paths.statePath).deletePod(uid: "default-web-uid") },
        ])
        let out = Swkubectl.execute(["logs", "web", "-f", "--tail", "1", "--root-dir", node.root, "--pod-log-dir", logDir],
                                    recorder.context())
        #expect(out == Output())
        #expect(recorder.stdout == "newest\nlast before rotation\nfirst after rotation\nand on\n")
    }

    @Test func readerKeepsAnUnfinishedRecordForLater() {
        var reader = CRILogReader()
        #expect(reader.feed(Array("2026-12-01T12:00:00Z stdout F a\n2026-12-01T12:00:01Z std".utf8)).map(\.text) == ["a"])
        #expect(reader.feed(Array("out F b c\nnot a record\n".utf8)).map(\.text) == ["b c"])
    }

    @Test func timeParsing() {
        #expect(TimeText.parseRFC3339("2026-12-01T12:00:00Z") == now)
        #expect(TimeText.parseRFC3339("2026-12-01T13:30:00.5+01:30") == now + second / 2)
        #expect(TimeText.parseRFC3339("2026-12-01 12:00:00Z") == nil)
        #expect(TimeText.parseDuration("1h2m3s") == hour + 2 * minute + 3 * second)
        #expect(TimeText.parseDuration("250ms") == 250_000_000)
        #expect(TimeText.parseDuration("5") == nil)
    }
}
