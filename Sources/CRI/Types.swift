/// Value types of the CRI v1 API (kubernetes/cri-api pkg/apis/runtime/v1/api.proto), named and
/// shaped after the proto messages so that serving real CRI gRPC later is a thin adapter.
/// Times are nanoseconds since the Unix epoch, as in the proto.

public struct KeyValue: Sendable, Equatable, Hashable, Codable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }
}

public struct ImageSpec: Sendable, Equatable, Hashable, Codable {
    public var image: String
    public init(image: String) { self.image = image }
}

public struct PodSandboxMetadata: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var uid: String
    public var namespace: String
    public var attempt: UInt32
    public init(name: String, uid: String, namespace: String, attempt: UInt32 = 0) {
        self.name = name; self.uid = uid; self.namespace = namespace; self.attempt = attempt
    }
}

public enum NamespaceMode: Int, Sendable, Equatable, Hashable, Codable {
    case pod = 0, container = 1, node = 2
}

public struct NamespaceOption: Sendable, Equatable, Hashable, Codable {
    public var network: NamespaceMode = .pod
    public var pid: NamespaceMode = .container
    public var ipc: NamespaceMode = .pod
    public init() {}
}

public struct PortMapping: Sendable, Equatable, Hashable, Codable {
    public var `protocol`: String = "TCP"
    public var containerPort: Int32
    public var hostPort: Int32
    public init(containerPort: Int32, hostPort: Int32) { self.containerPort = containerPort; self.hostPort = hostPort }
}

public struct LinuxPodSandboxConfig: Sendable, Equatable, Hashable, Codable {
    public var cgroupParent: String = ""
    public var namespaceOptions: NamespaceOption = .init()
    /// The pod's share of the node: what the pod cgroup (`cgroupParent`) is limited to.
    public var resources: LinuxContainerResources?
    /// Sysctls for the pod's namespaces, already admitted by the kubelet side.
    public var sysctls: [String: String] = [:]
    public init() {}
}

/// CRI's DNSConfig: what the sandbox's /etc/resolv.conf says (options as `name[:value]`).
public struct DNSConfig: Sendable, Equatable, Hashable, Codable {
    public var servers: [String] = []
    public var searches: [String] = []
    public var options: [String] = []
    public init(servers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.servers = servers; self.searches = searches; self.options = options
    }
}

public struct PodSandboxConfig: Sendable, Equatable, Hashable, Codable {
    public var metadata: PodSandboxMetadata
    public var hostname: String = ""
    /// nil: the sandbox gets the host's resolv.conf as it is.
    public var dnsConfig: DNSConfig?
    /// Directory for the pod's container logs (`/var/log/pods/<ns>_<name>_<uid>`).
    public var logDirectory: String = ""
    public var portMappings: [PortMapping] = []
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var linux: LinuxPodSandboxConfig = .init()
    public init(metadata: PodSandboxMetadata) { self.metadata = metadata }
}

public enum PodSandboxState: Int, Sendable, Equatable, Hashable, Codable {
    case ready = 0, notReady = 1
}

public struct PodSandbox: Sendable, Equatable, Hashable, Codable {
    public var id: String
    public var metadata: PodSandboxMetadata
    public var state: PodSandboxState
    public var createdAt: Int64
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public init(id: String, metadata: PodSandboxMetadata, state: PodSandboxState, createdAt: Int64) {
        self.id = id; self.metadata = metadata; self.state = state; self.createdAt = createdAt
    }
}

public struct PodSandboxNetworkStatus: Sendable, Equatable, Hashable, Codable {
    public var ip: String = ""
    public init(ip: String = "") { self.ip = ip }
}

/// Keys of the `info` maps of `PodSandboxStatus` and `ContainerStatus`. CRI leaves `info` to the
/// runtime (containerd puts its verbose state there, `runtimeSpec.linux.cgroupsPath` included);
/// the runtime alone names these, so the daemon records them instead of anyone re-deriving them.
public enum StatusInfo {
    /// The cgroup of the pod or container, relative to each hierarchy's root (`/swkube/<uid>/<id>`).
    public static let cgroupsPath = "cgroupsPath"
}

public struct PodSandboxStatus: Sendable, Equatable, Hashable, Codable {
    public var id: String
    public var metadata: PodSandboxMetadata
    public var state: PodSandboxState
    public var createdAt: Int64
    public var network: PodSandboxNetworkStatus = .init()
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    /// CRI's `PodSandboxStatusResponse.info`: runtime facts outside the status proper (`StatusInfo`).
    public var info: [String: String] = [:]
    public init(id: String, metadata: PodSandboxMetadata, state: PodSandboxState, createdAt: Int64) {
        self.id = id; self.metadata = metadata; self.state = state; self.createdAt = createdAt
    }
}

public struct PodSandboxFilter: Sendable, Equatable, Hashable, Codable {
    public var id: String?
    public var labelSelector: [String: String] = [:]
    public init(id: String? = nil, labelSelector: [String: String] = [:]) { self.id = id; self.labelSelector = labelSelector }
}

public struct ContainerMetadata: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var attempt: UInt32
    public init(name: String, attempt: UInt32 = 0) { self.name = name; self.attempt = attempt }
}

/// A bind mount into the container (CRI `Mount`).
public struct Mount: Sendable, Equatable, Hashable, Codable {
    public var containerPath: String
    public var hostPath: String
    public var readonly: Bool = false
    /// swkube extension: the pod volume behind this mount, which the runtime checks (hostPath
    /// `type`) or provisions per pod (emptyDir); `hostPath` is then ignored. In real CRI kubelet
    /// prepares volumes itself; here the runtime owns the node's files.
    public var volume: PodVolume?
    /// swkube extension: a relative path inside the volume to mount instead of its root
    /// (Kubernetes `subPath`); missing directories are created, escapes rejected.
    public var subPath: String = ""
    /// CRI `MountPropagation` (Kubernetes `mountPropagation` None / HostToContainer / Bidirectional).
    public var propagation: MountPropagation = .private
    public init(containerPath: String, hostPath: String, readonly: Bool = false) {
        self.containerPath = containerPath; self.hostPath = hostPath; self.readonly = readonly
    }
}

/// CRI `MountPropagation`: how mounts made under a bind mount's source on the host (and in the
/// container) reach the other side.
public enum MountPropagation: String, Sendable, Equatable, Hashable, Codable {
    /// No propagation (`rprivate`).
    case `private` = "PROPAGATION_PRIVATE"
    /// Host mounts appear in the container (`rslave`).
    case hostToContainer = "PROPAGATION_HOST_TO_CONTAINER"
    /// Both ways (`rshared`); privileged containers only.
    case bidirectional = "PROPAGATION_BIDIRECTIONAL"
}

/// A pod volume, identified by its name within the pod (swkube extension, see `Mount.volume`).
public struct PodVolume: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var source: PodVolumeSource
    public init(name: String, source: PodVolumeSource) { self.name = name; self.source = source }
}

public enum PodVolumeSource: Sendable, Equatable, Hashable, Codable {
    /// A path of the host, checked (or created) per Kubernetes' hostPath `type`
    /// ("", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice).
    case hostPath(path: String, type: String)
    /// A directory per pod that lives as long as the sandbox; a tmpfs when `memory`, of
    /// `sizeLimitBytes` when that is above 0.
    case emptyDir(memory: Bool, sizeLimitBytes: Int64)
    /// Files projected from a ConfigMap or Secret of the manifest directory, (re)written when a
    /// container mounting them is created; on a tmpfs when `memory` (secrets, as kubelet does).
    case files([VolumeFile], memory: Bool)
}

/// One projected file: a relative path inside the volume, its bytes and permission bits.
public struct VolumeFile: Sendable, Equatable, Hashable, Codable {
    public var path: String
    public var content: [UInt8]
    public var mode: UInt32
    public init(path: String, content: [UInt8], mode: UInt32) { self.path = path; self.content = content; self.mode = mode }
}

public struct LinuxContainerResources: Sendable, Equatable, Hashable, Codable {
    public var cpuPeriod: Int64 = 0
    public var cpuQuota: Int64 = 0
    public var cpuShares: Int64 = 0
    public var memoryLimitInBytes: Int64 = 0
    public init() {}
}

/// CRI `SecurityProfile`: a seccomp profile choice.
public struct SecurityProfile: Sendable, Equatable, Hashable, Codable {
    public enum ProfileType: String, Sendable, Equatable, Hashable, Codable {
        case runtimeDefault = "RuntimeDefault", unconfined = "Unconfined", localhost = "Localhost"
    }
    public var profileType: ProfileType
    /// For `localhost`: the profile's path relative to the runtime's seccomp profile directory.
    public var localhostRef: String = ""
    public init(profileType: ProfileType, localhostRef: String = "") {
        self.profileType = profileType; self.localhostRef = localhostRef
    }
}

/// CRI `Capability`: names with or without the `CAP_` prefix; `ALL` stands for every capability.
public struct Capability: Sendable, Equatable, Hashable, Codable {
    public var addCapabilities: [String] = []
    public var dropCapabilities: [String] = []
    public init(addCapabilities: [String] = [], dropCapabilities: [String] = []) {
        self.addCapabilities = addCapabilities; self.dropCapabilities = dropCapabilities
    }
}

/// CRI `LinuxContainerSecurityContext`, reduced to the fields swkube honours.
public struct LinuxContainerSecurityContext: Sendable, Equatable, Hashable, Codable {
    public var capabilities: Capability?
    public var privileged = false
    /// Overrides the image's user; `runAsUsername` is resolved in the container's /etc/passwd.
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsUsername: String = ""
    public var readonlyRootfs = false
    public var supplementalGroups: [Int64] = []
    public var noNewPrivs = false
    /// nil: no seccomp filter (as Unconfined).
    public var seccomp: SecurityProfile?
    /// nil: the runtime's defaults (containerd's lists); ignored when privileged.
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public init() {}
}

public struct LinuxContainerConfig: Sendable, Equatable, Hashable, Codable {
    public var resources: LinuxContainerResources = .init()
    public var securityContext: LinuxContainerSecurityContext = .init()
    public init() {}
}

public struct ContainerConfig: Sendable, Equatable, Hashable, Codable {
    public var metadata: ContainerMetadata
    public var image: ImageSpec
    /// Overrides the image's Entrypoint when non-empty (Kubernetes `command`).
    public var command: [String] = []
    /// Overrides the image's Cmd when non-empty (Kubernetes `args`).
    public var args: [String] = []
    public var workingDir: String = ""
    public var envs: [KeyValue] = []
    public var mounts: [Mount] = []
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    /// Relative to the sandbox's logDirectory (`<container>/<restart>.log`).
    public var logPath: String = ""
    public var linux: LinuxContainerConfig = .init()
    public init(metadata: ContainerMetadata, image: ImageSpec) { self.metadata = metadata; self.image = image }
}

public enum ContainerState: Int, Sendable, Equatable, Hashable, Codable {
    case created = 0, running = 1, exited = 2, unknown = 3
}

public struct Container: Sendable, Equatable, Hashable, Codable {
    public var id: String
    public var podSandboxId: String
    public var metadata: ContainerMetadata
    public var image: ImageSpec
    public var imageRef: String
    public var state: ContainerState
    public var createdAt: Int64
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public init(id: String, podSandboxId: String, metadata: ContainerMetadata, image: ImageSpec,
                imageRef: String, state: ContainerState, createdAt: Int64) {
        self.id = id; self.podSandboxId = podSandboxId; self.metadata = metadata; self.image = image
        self.imageRef = imageRef; self.state = state; self.createdAt = createdAt
    }
}

public struct ContainerStatus: Sendable, Equatable, Hashable, Codable {
    public var id: String
    public var metadata: ContainerMetadata
    public var state: ContainerState
    public var createdAt: Int64
    public var startedAt: Int64 = 0
    public var finishedAt: Int64 = 0
    public var exitCode: Int32 = 0
    public var image: ImageSpec
    public var imageRef: String = ""
    /// Why it is in this state (`Completed`, `Error`, `OOMKilled`, …).
    public var reason: String = ""
    public var message: String = ""
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var logPath: String = ""
    /// The container's main process on the host, while running (not in CRI; used by `top`/tests).
    public var pid: Int32 = 0
    /// CRI's `ContainerStatusResponse.info`: runtime facts outside the status proper (`StatusInfo`).
    public var info: [String: String] = [:]
    public init(id: String, metadata: ContainerMetadata, state: ContainerState, createdAt: Int64, image: ImageSpec) {
        self.id = id; self.metadata = metadata; self.state = state; self.createdAt = createdAt; self.image = image
    }
}

public struct ContainerFilter: Sendable, Equatable, Hashable, Codable {
    public var id: String?
    public var podSandboxId: String?
    public var labelSelector: [String: String] = [:]
    public init(id: String? = nil, podSandboxId: String? = nil, labelSelector: [String: String] = [:]) {
        self.id = id; self.podSandboxId = podSandboxId; self.labelSelector = labelSelector
    }
}

/// CRI `ExecSyncResponse`.
public struct ExecSyncResponse: Sendable, Equatable, Hashable, Codable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var exitCode: Int32
    public init(stdout: [UInt8], stderr: [UInt8], exitCode: Int32) {
        self.stdout = stdout; self.stderr = stderr; self.exitCode = exitCode
    }
}

/// CRI `Image`.
public struct Image: Sendable, Equatable, Hashable, Codable {
    /// The image id: the digest of its config (`sha256:…`).
    public var id: String
    public var repoTags: [String] = []
    public var repoDigests: [String] = []
    public var size: UInt64 = 0
    /// The image config's user when it is numeric (its uid part), else nil and `username` is set.
    public var uid: Int64?
    public var username: String = ""
    public init(id: String) { self.id = id }
}

/// CRI `FilesystemIdentifier`.
public struct FilesystemIdentifier: Sendable, Equatable, Hashable, Codable {
    public var mountpoint: String
    public init(mountpoint: String) { self.mountpoint = mountpoint }
}

/// CRI `FilesystemUsage`; the `UInt64Value` wrappers of api.proto are optionals.
public struct FilesystemUsage: Sendable, Equatable, Hashable, Codable {
    /// When the numbers were taken, Unix nanoseconds.
    public var timestamp: Int64
    public var fsId: FilesystemIdentifier
    public var usedBytes: UInt64?
    public var inodesUsed: UInt64?
    public init(timestamp: Int64, fsId: FilesystemIdentifier, usedBytes: UInt64?, inodesUsed: UInt64?) {
        self.timestamp = timestamp; self.fsId = fsId; self.usedBytes = usedBytes; self.inodesUsed = inodesUsed
    }
}

/// CRI `ImageFsInfoResponse`: `containerFilesystems` is set only where the containers' writable
/// layers live on a filesystem of their own (containerd's split image filesystem).
public struct ImageFsInfoResponse: Sendable, Equatable, Hashable, Codable {
    public var imageFilesystems: [FilesystemUsage]
    public var containerFilesystems: [FilesystemUsage] = []
    public init(imageFilesystems: [FilesystemUsage], containerFilesystems: [FilesystemUsage] = []) {
        self.imageFilesystems = imageFilesystems; self.containerFilesystems = containerFilesystems
    }
}

public struct VersionResponse: Sendable, Equatable, Hashable, Codable {
    public var version: String = "0.1.0"
    public var runtimeName: String
    public var runtimeVersion: String
    public var runtimeApiVersion: String = "v1"
    public init(runtimeName: String, runtimeVersion: String) {
        self.runtimeName = runtimeName; self.runtimeVersion = runtimeVersion
    }
}

/// Labels the controller puts on sandboxes and containers, as kubelet does, so that the runtime's
/// listing maps back to pods after a restart.
public enum KubeLabels {
    public static let podName = "io.kubernetes.pod.name"
    public static let podNamespace = "io.kubernetes.pod.namespace"
    public static let podUID = "io.kubernetes.pod.uid"
    public static let containerName = "io.kubernetes.container.name"
    /// Annotation: the normalised spec hash the container was created from.
    public static let containerHash = "io.kubernetes.container.hash"
    /// Annotation: how many times this container was restarted before this instance.
    public static let restartCount = "io.kubernetes.container.restartCount"
}
