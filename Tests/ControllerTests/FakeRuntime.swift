import CRI
import Synchronization
import Controller
import SwkSupport

/// An in-memory CRI runtime that records every call, for driving the controller without
/// containers. Containers "run" until the test makes them exit with `exit(_:code:)`.
actor FakeRuntime: RuntimeService, ImageService {
    var calls: [String] = []
    var sandboxes: [String: PodSandboxStatus] = [:]
    var containers: [String: ContainerStatus] = [:]
    var containerSandbox: [String: String] = [:]
    var images: Set<String> = ["localhost/swkube-demo:1.0"]
    var failCreate: Set<String> = []
    /// Image reference → the uid its config's User names (absent: the image reports no user).
    var imageUIDs: [String: Int64] = [:]
    /// The security context of every created container, by container name.
    var createdSecurity: [String: LinuxContainerSecurityContext] = [:]
    /// The environment of every created container, by container name.
    var createdEnvs: [String: [KeyValue]] = [:]
    /// What podSandboxVolumeUsage reports for every sandbox: emptyDir name → bytes.
    var volumeUsage: [String: Int64] = [:]
    var nextID = 0
    let clock: TestClock

    init(clock: TestClock) {
        self.clock = clock
    }

    private func makeID(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    func version() async throws -> VersionResponse { VersionResponse(runtimeName: "fake", runtimeVersion: "0") }

    func runPodSandbox(_ config: PodSandboxConfig) async throws -> String {
        let id = makeID("sb")
        calls.append("runPodSandbox \(config.metadata.name)")
        var status = PodSandboxStatus(id: id, metadata: config.metadata, state: .ready, createdAt: clock.now())
        status.labels = config.labels
        status.annotations = config.annotations
        // Not the real runtime's naming, so that a test sees the controller records what it is told.
        status.info[StatusInfo.cgroupsPath] = "/fake/\(id)"
        sandboxes[id] = status
        return id
    }

    func podSandboxVolumeUsage(_ id: String) async throws -> [String: Int64] {
        guard sandboxes[id] != nil else { throw SwkError(.notFound, "sandbox \(id)") }
        calls.append("podSandboxVolumeUsage")
        return volumeUsage
    }

    func setVolumeUsage(_ usage: [String: Int64]) { volumeUsage = usage }

    /// Sandbox ids whose network check fails, with the plugin's error.
    var brokenNetworks: [String: String] = [:]
    /// The network checks asked for, kept apart from `calls` (they come with every housekeeping).
    var networkChecks: [String] = []

    /// Port forwards asked for, as "sandbox-name:port"; the answer is `portForwardAnswer`.
    var portForwards: [String] = []
    var portForwardAnswer: Result<[UInt8], SwkError> = .success([])

    func portForward(_ podSandboxId: String, port: Int32, request: [UInt8], responseLimit: Int,
                     timeout: Int64) async throws -> [UInt8] {
        guard let sandbox = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        portForwards.append("\(sandbox.metadata.name):\(port)")
        return try portForwardAnswer.get()
    }

    func checkPodSandboxNetwork(_ id: String, thorough: Bool) async throws {
        guard let sandbox = sandboxes[id] else { throw SwkError(.notFound, "sandbox \(id)") }
        networkChecks.append("\(sandbox.metadata.name) thorough=\(thorough)")
        if let message = brokenNetworks[id] { throw SwkError(.system, message) }
    }

    func takeNetworkChecks() -> [String] {
        defer { networkChecks = [] }
        return networkChecks
    }

    func breakNetwork(of podName: String, _ message: String) {
        for (id, s) in sandboxes where s.metadata.name == podName && s.state == .ready { brokenNetworks[id] = message }
    }

    func stopPodSandbox(_ id: String) async throws {
        calls.append("stopPodSandbox \(id)")
        sandboxes[id]?.state = .notReady
        for (cid, sb) in containerSandbox where sb == id { exit(cid, code: 137) }
    }

    func removePodSandbox(_ id: String) async throws {
        calls.append("removePodSandbox \(id)")
        sandboxes[id] = nil
        for (cid, sb) in containerSandbox where sb == id {
            containers[cid] = nil
            containerSandbox[cid] = nil
        }
    }

    func podSandboxStatus(_ id: String) async throws -> PodSandboxStatus {
        guard let s = sandboxes[id] else { throw SwkError(.notFound, "sandbox \(id)") }
        return s
    }

    func listPodSandbox(_ filter: PodSandboxFilter?) async throws -> [PodSandbox] {
        sandboxes.values.filter { s in filter?.labelSelector.allSatisfy { s.labels[$0.key] == $0.value } ?? true }
            .map {
                var sandbox = PodSandbox(id: $0.id, metadata: $0.metadata, state: $0.state, createdAt: $0.createdAt)
                sandbox.labels = $0.labels
                sandbox.annotations = $0.annotations
                return sandbox
            }
    }

    func createContainer(_ sandboxID: String, _ config: ContainerConfig, _ sandboxConfig: PodSandboxConfig) async throws -> String {
        if failCreate.contains(config.metadata.name) {
            throw SwkError(.invalidArgument, "executable file not found")
        }
        let id = makeID("c")
        createdSecurity[config.metadata.name] = config.linux.securityContext
        createdEnvs[config.metadata.name] = config.envs
        calls.append("createContainer \(config.metadata.name) restart=\(config.annotations[KubeLabels.restartCount] ?? "?")")
        var status = ContainerStatus(id: id, metadata: config.metadata, state: .created, createdAt: clock.now(), image: config.image)
        status.info[StatusInfo.cgroupsPath] = "/fake/\(sandboxID)/\(id)"
        status.labels = config.labels
        status.annotations = config.annotations
        containers[id] = status
        containerSandbox[id] = sandboxID
        return id
    }

    func startContainer(_ id: String) async throws {
        calls.append("startContainer \(containers[id]?.metadata.name ?? id)")
        containers[id]?.state = .running
        containers[id]?.startedAt = clock.now()
    }

    func stopContainer(_ id: String, timeout: Int64) async throws {
        calls.append("stopContainer \(containers[id]?.metadata.name ?? id) timeout=\(timeout)")
        if containers[id]?.state == .running { exit(id, code: 143) }
    }

    func execSync(_ id: String, _ cmd: [String], timeout: Int64) async throws -> ExecSyncResponse {
        guard containers[id]?.state == .running else { throw SwkError(.failedPrecondition, "container \(id) is not running") }
        calls.append("execSync \(containers[id]?.metadata.name ?? id) \(cmd.joined(separator: " ")) timeout=\(timeout)")
        execCount += 1
        return ExecSyncResponse(stdout: [], stderr: Array(execStderr.utf8),
                                exitCode: execExitCodes[cmd.first ?? ""] ?? execExitCode)
    }

    /// What the next execSync calls answer.
    private var execExitCode: Int32 = 0
    private var execStderr = ""
    func answerExec(code: Int32, stderr: String) { execExitCode = code; execStderr = stderr }

    func removeContainer(_ id: String) async throws {
        calls.append("removeContainer \(containers[id]?.metadata.name ?? id)")
        containers[id] = nil
        containerSandbox[id] = nil
    }

    func listContainers(_ filter: ContainerFilter?) async throws -> [CRI.Container] {
        containers.values.filter { c in filter?.labelSelector.allSatisfy { c.labels[$0.key] == $0.value } ?? true }
            .map {
                var c = CRI.Container(id: $0.id, podSandboxId: containerSandbox[$0.id] ?? "", metadata: $0.metadata,
                                      image: $0.image, imageRef: "", state: $0.state, createdAt: $0.createdAt)
                c.labels = $0.labels
                c.annotations = $0.annotations
                return c
            }
    }

    func containerStatus(_ id: String) async throws -> ContainerStatus {
        guard let c = containers[id] else { throw SwkError(.notFound, "container \(id)") }
        return c
    }

    /// Exit code of exec'd commands, by the command's first word (default 0).
    var execExitCodes: [String: Int32] = [:]
    var execCount = 0

    func setExitCode(_ command: String, _ code: Int32) {
        execExitCodes[command] = code
    }

    func listImages() async throws -> [CRI.Image] { images.map { CRI.Image(id: $0) } }

    func imageStatus(_ image: ImageSpec) async throws -> CRI.Image? {
        guard images.contains(image.image) else { return nil }
        var status = CRI.Image(id: image.image)
        status.uid = imageUIDs[image.image]
        return status
    }

    func setImageUID(_ image: String, _ uid: Int64) { imageUIDs[image] = uid }

    func pullImage(_ image: ImageSpec, _ sandboxConfig: PodSandboxConfig?) async throws -> String {
        calls.append("pullImage \(image.image)")
        throw SwkError(.unavailable, "no registry reachable for \(image.image)")
    }

    func removeImage(_ image: ImageSpec) async throws {}
    func imageFsInfo() async throws -> ImageFsInfoResponse { ImageFsInfoResponse(imageFilesystems: []) }

    // MARK: test controls

    /// The container's process exits with `code`.
    func exit(_ id: String, code: Int32) {
        guard containers[id]?.state == .running || containers[id]?.state == .created else { return }
        containers[id]?.state = .exited
        containers[id]?.exitCode = code
        containers[id]?.finishedAt = clock.now()
    }

    func running(_ name: String) -> ContainerStatus? {
        containers.values.first { $0.metadata.name == name && $0.state == .running }
    }

    func takeCalls() -> [String] {
        defer { calls = [] }
        return calls
    }
}

/// A clock the test moves by hand: `sleep` returns once `advance` has moved time past its end
/// (or the sleeping task is cancelled).
final class TestClock: NodeClock {
    private struct State {
        var now: Int64
        var sleepers: [(id: Int, wake: Int64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(start: Int64 = 1_700_000_000 * nanosPerSecond) {
        state = Mutex(State(now: start))
    }

    func now() -> Int64 { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock.
    var sleepers: Int { state.withLock { $0.sleepers.count } }

    func advance(seconds: Int64) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now += seconds * nanosPerSecond
            let now = s.now
            let due = s.sleepers.filter { $0.wake <= now }.map(\.continuation)
            s.sleepers.removeAll { $0.wake <= now }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    func sleep(nanoseconds: Int64) async throws {
        guard nanoseconds > 0 else { return await Task.yield() }
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    s.sleepers.append((id, s.now + nanoseconds, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i).continuation
            }
            sleeper?.resume()
        }
    }
}

/// Yields (never sleeps) until `condition` holds, a bounded number of times.
func eventually(_ condition: () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<20_000 {
        if try await condition() { return true }
        await Task.yield()
    }
    return try await condition()
}
