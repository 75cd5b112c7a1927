import CRI
import Synchronization
import SwkSupport

/// An in-memory CRI runtime that records every call, for driving the controller without
/// containers. Containers "run" until the test makes them exit with `exit(_:code:)`.
public actor FakeRuntime: RuntimeService, ImageService {
    public var calls: [String] = []
    public var sandboxes: [String: PodSandboxStatus] = [:]
    public var containers: [String: ContainerStatus] = [:]
    public var containerSandbox: [String: String] = [:]
    public var images: Set<String> = ["localhost/swkube-demo:1.0"]
    public var failCreate: Set<String> = []
    /// Image reference → the uid its config's User names (absent: the image reports no user).
    public var imageUIDs: [String: Int64] = [:]
    /// The security context of every created container, by container name.
    public var createdSecurity: [String: LinuxContainerSecurityContext] = [:]
    /// The environment of every created container, by container name.
    public var createdEnvs: [String: [KeyValue]] = [:]
    /// What podSandboxVolumeUsage reports for every sandbox: emptyDir name → bytes.
    public var volumeUsage: [String: Int64] = [:]
    public var nextID = 0
    public let clock: TestClock

    public init(clock: TestClock) {
        self.clock = clock
    }

    private func makeID(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    public func version() async throws -> VersionResponse { VersionResponse(runtimeName: "fake", runtimeVersion: "0") }

    public func runPodSandbox(_ config: PodSandboxConfig) async throws -> String {
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

    public func podSandboxVolumeUsage(_ id: String) async throws -> [String: Int64] {
        guard sandboxes[id] != nil else { throw SwkError(.notFound, "sandbox \(id)") }
        calls.append("podSandboxVolumeUsage")
        return volumeUsage
    }

    public func setVolumeUsage(_ usage: [String: Int64]) { volumeUsage = usage }

    /// Sandbox ids whose network check fails, with the plugin's error.
    public var brokenNetworks: [String: String] = [:]
    /// The network checks asked for, kept apart from `calls` (they come with every housekeeping).
    public var networkChecks: [String] = []

    /// Port forwards asked for, as "sandbox-name:port"; the answer is `portForwardAnswer`.
    public var portForwards: [String] = []
    public var portForwardAnswer: Result<[UInt8], SwkError> = .success([])

    public func portForward(_ podSandboxId: String, port: Int32, request: [UInt8], responseLimit: Int,
                     timeout: Int64) async throws -> [UInt8] {
        guard let sandbox = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        portForwards.append("\(sandbox.metadata.name):\(port)")
        return try portForwardAnswer.get()
    }

    public func checkPodSandboxNetwork(_ id: String, thorough: Bool) async throws {
        guard let sandbox = sandboxes[id] else { throw SwkError(.notFound, "sandbox \(id)") }
        networkChecks.append("\(sandbox.metadata.name) thorough=\(thorough)")
        if let message = brokenNetworks[id] { throw SwkError(.system, message) }
    }

    public func takeNetworkChecks() -> [String] {
        defer { networkChecks = [] }
        return networkChecks
    }

    public func breakNetwork(of podName: String, _ message: String) {
        for (id, s) in sandboxes where s.metadata.name == podName && s.state == .ready { brokenNetworks[id] = message }
    }

    public func stopPodSandbox(_ id: String) async throws {
        calls.append("stopPodSandbox \(id)")
        sandboxes[id]?.state = .notReady
        for (cid, sb) in containerSandbox where sb == id { exit(cid, code: 137) }
    }

    public func removePodSandbox(_ id: String) async throws {
        calls.append("removePodSandbox \(id)")
        sandboxes[id] = nil
        for (cid, sb) in containerSandbox where sb == id {
            containers[cid] = nil
            containerSandbox[cid] = nil
        }
    }

    public func podSandboxStatus(_ id: String) async throws -> PodSandboxStatus {
        guard let s = sandboxes[id] else { throw SwkError(.notFound, "sandbox \(id)") }
        return s
    }

    public func listPodSandbox(_ filter: PodSandboxFilter?) async throws -> [PodSandbox] {
        sandboxes.values.filter { s in
            guard let filter else { return true }
            return (filter.id.map { $0 == s.id } ?? true) && filter.labelSelector.allSatisfy { s.labels[$0.key] == $0.value }
        }
            .map {
                var sandbox = PodSandbox(id: $0.id, metadata: $0.metadata, state: $0.state, createdAt: $0.createdAt)
                sandbox.labels = $0.labels
                sandbox.annotations = $0.annotations
                return sandbox
            }
    }

    public func createContainer(_ sandboxID: String, _ config: ContainerConfig, _ sandboxConfig: PodSandboxConfig) async throws -> String {
        // LocalRuntime's preconditions, so that the fake cannot accept what the real runtime refuses.
        guard let sandbox = sandboxes[sandboxID] else { throw SwkError(.notFound, "create container: no such pod sandbox") }
        guard sandbox.state == .ready else { throw SwkError(.failedPrecondition, "create container: the sandbox is not ready") }
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

    public func startContainer(_ id: String) async throws {
        calls.append("startContainer \(containers[id]?.metadata.name ?? id)")
        guard let c = containers[id] else { throw SwkError(.notFound, "container \(id)") }
        guard c.state == .created else { throw SwkError(.failedPrecondition, "start container \(id): it is not in the created state") }
        containers[id]?.state = .running
        containers[id]?.startedAt = clock.now()
    }

    public func stopContainer(_ id: String, timeout: Int64) async throws {
        calls.append("stopContainer \(containers[id]?.metadata.name ?? id) timeout=\(timeout)")
        guard let c = containers[id] else { throw SwkError(.notFound, "container \(id)") }
        // As LocalRuntime: a grace period lets a started process exit on SIGTERM; none (or a
        // container never started) means SIGKILL.
        exit(id, code: timeout > 0 && c.state == .running ? 143 : 137)
    }

    public func execSync(_ id: String, _ cmd: [String], timeout: Int64) async throws -> ExecSyncResponse {
        guard let c = containers[id] else { throw SwkError(.notFound, "exec in container \(id): no such container") }
        guard c.state == .running else { throw SwkError(.failedPrecondition, "container \(id) is not running") }
        calls.append("execSync \(containers[id]?.metadata.name ?? id) \(cmd.joined(separator: " ")) timeout=\(timeout)")
        execCount += 1
        return ExecSyncResponse(stdout: Array(execStdout.utf8), stderr: Array(execStderr.utf8),
                                exitCode: execExitCodes[cmd.first ?? ""] ?? execExitCode)
    }

    /// What the next execSync calls answer.
    private var execExitCode: Int32 = 0
    private var execStdout = "", execStderr = ""
    public func answerExec(code: Int32, stdout: String = "", stderr: String) {
        (execExitCode, execStdout, execStderr) = (code, stdout, stderr)
    }

    public func removeContainer(_ id: String) async throws {
        calls.append("removeContainer \(containers[id]?.metadata.name ?? id)")
        containers[id] = nil
        containerSandbox[id] = nil
    }

    public func listContainers(_ filter: ContainerFilter?) async throws -> [CRI.Container] {
        containers.values.filter { c in
            guard let filter else { return true }
            return (filter.id.map { $0 == c.id } ?? true) && (filter.podSandboxId.map { $0 == containerSandbox[c.id] } ?? true)
                && filter.labelSelector.allSatisfy { c.labels[$0.key] == $0.value }
        }
            .map {
                var c = CRI.Container(id: $0.id, podSandboxId: containerSandbox[$0.id] ?? "", metadata: $0.metadata,
                                      image: $0.image, imageRef: "", state: $0.state, createdAt: $0.createdAt)
                c.labels = $0.labels
                c.annotations = $0.annotations
                return c
            }
    }

    public func containerStatus(_ id: String) async throws -> ContainerStatus {
        guard let c = containers[id] else { throw SwkError(.notFound, "container \(id)") }
        return c
    }

    /// Exit code of exec'd commands, by the command's first word (default 0).
    public var execExitCodes: [String: Int32] = [:]
    public var execCount = 0

    public func setExitCode(_ command: String, _ code: Int32) {
        execExitCodes[command] = code
    }

    public func listImages() async throws -> [CRI.Image] { images.map { CRI.Image(id: $0) } }

    public func imageStatus(_ image: ImageSpec) async throws -> CRI.Image? {
        guard images.contains(image.image) else { return nil }
        var status = CRI.Image(id: image.image)
        status.uid = imageUIDs[image.image]
        return status
    }

    public func setImageUID(_ image: String, _ uid: Int64) { imageUIDs[image] = uid }

    public func pullImage(_ image: ImageSpec, _ sandboxConfig: PodSandboxConfig?) async throws -> String {
        calls.append("pullImage \(image.image)")
        throw SwkError(.unavailable, "no registry reachable for \(image.image)")
    }

    public func removeImage(_ image: ImageSpec) async throws {}
    public func imageFsInfo() async throws -> ImageFsInfoResponse { ImageFsInfoResponse(imageFilesystems: []) }

    // MARK: test controls

    /// The container's process exits with `code`.
    public func exit(_ id: String, code: Int32) {
        guard containers[id]?.state == .running || containers[id]?.state == .created else { return }
        containers[id]?.state = .exited
        containers[id]?.exitCode = code
        containers[id]?.finishedAt = clock.now()
        containers[id]?.reason = code == 0 ? "Completed" : "Error"
    }

    public func running(_ name: String) -> ContainerStatus? {
        containers.values.first { $0.metadata.name == name && $0.state == .running }
    }

    public func takeCalls() -> [String] {
        defer { calls = [] }
        return calls
    }
}
