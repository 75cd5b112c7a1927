/// The runtime half of CRI v1 (`RuntimeService` in api.proto), the only way the controller touches
/// containers. Implementations: `Runtime.LocalRuntime` (real) and the recording fake in tests.
///
/// Errors are `SwkError`s whose code says the class: `.notFound` for an unknown id, and so on.
public protocol RuntimeService: Sendable {
    func version() async throws -> VersionResponse

    /// Creates the pod's shared namespaces and returns the sandbox id.
    func runPodSandbox(_ config: PodSandboxConfig) async throws -> String
    /// Stops every container of the sandbox (forcibly) and releases its network; idempotent.
    func stopPodSandbox(_ podSandboxId: String) async throws
    /// Removes a stopped sandbox and its containers; removing an unknown id succeeds.
    func removePodSandbox(_ podSandboxId: String) async throws
    func podSandboxStatus(_ podSandboxId: String) async throws -> PodSandboxStatus
    func listPodSandbox(_ filter: PodSandboxFilter?) async throws -> [PodSandbox]

    /// Creates a container (image unpacked, bundle written) without starting it.
    func createContainer(_ podSandboxId: String, _ config: ContainerConfig, _ sandboxConfig: PodSandboxConfig) async throws -> String
    func startContainer(_ containerId: String) async throws
    /// Signals the container to stop, waits up to `timeout` seconds, then kills it.
    func stopContainer(_ containerId: String, timeout: Int64) async throws
    /// Removes a container (killing it if still running); removing an unknown id succeeds.
    func removeContainer(_ containerId: String) async throws
    func listContainers(_ filter: ContainerFilter?) async throws -> [Container]
    func containerStatus(_ containerId: String) async throws -> ContainerStatus
    /// Runs `cmd` in the running container and waits for it, at most `timeout` seconds (0: no
    /// limit; a command still running then is killed and the call fails) — CRI ExecSync, which
    /// probes and preStop exec hooks use.
    func execSync(_ containerId: String, _ cmd: [String], timeout: Int64) async throws -> ExecSyncResponse
    /// CRI PortForward, in-process and for one exchange (the way probes use it): the runtime
    /// connects to localhost:`port` inside the sandbox's network namespace, sends `request`
    /// (empty: a bare connect) and returns the answer read until EOF, `responseLimit` bytes or
    /// `timeout` seconds. Fails with the dial error (`connection refused`, `timed out`).
    func portForward(_ podSandboxId: String, port: Int32, request: [UInt8], responseLimit: Int,
                     timeout: Int64) async throws -> [UInt8]
    /// swkube extension (the runtime owns pod volumes, see `Mount.volume`): bytes used on disk by
    /// each emptyDir volume provisioned for the sandbox's pod, by volume name — what kubelet's
    /// eviction manager measures against `sizeLimit`.
    func podSandboxVolumeUsage(_ podSandboxId: String) async throws -> [String: Int64]
    /// swkube extension (CRI has no CNI CHECK): throws, with the network plugin's error, when the
    /// ready sandbox's network is broken. `thorough` runs the plugins' CHECK; otherwise only cheap
    /// checks are made (the host side of the attachment still exists), escalating to CHECK when
    /// one fails.
    func checkPodSandboxNetwork(_ podSandboxId: String, thorough: Bool) async throws
}

/// The image half of CRI v1 (`ImageService` in api.proto).
public protocol ImageService: Sendable {
    func listImages() async throws -> [Image]
    /// nil when the image is not present.
    func imageStatus(_ image: ImageSpec) async throws -> Image?
    /// Returns the image reference (id) of the pulled image.
    func pullImage(_ image: ImageSpec, _ sandboxConfig: PodSandboxConfig?) async throws -> String
    func removeImage(_ image: ImageSpec) async throws
    /// Space and inodes the images take on their filesystem (kubelet's image GC and eviction
    /// signals read it).
    func imageFsInfo() async throws -> ImageFsInfoResponse
}
