/// Kubernetes core/v1 Pod, the subset swkube runs (DESIGN.md "Pod spec coverage"), with the field
/// names verbatim so manifests and `-o yaml` output round-trip with a real cluster.
///
/// Conventions: a field Kubernetes defaults is non-optional here and holds the default after
/// decoding (namespace `default`, restartPolicy `Always`, imagePullPolicy by tag…); a field with no
/// default is optional; lists are non-optional and empty when absent.
public struct Pod: Sendable, Equatable, Hashable {
    public var apiVersion: String = "v1"
    public var kind: String = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec

    public init(metadata: ObjectMeta, spec: PodSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct ObjectMeta: Sendable, Equatable, Hashable {
    public var name: String
    public var namespace: String = "default"
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    /// Derived from namespace/name by the manifest source (stable across edits and restarts).
    public var uid: String = ""

    public init(name: String, namespace: String = "default") {
        self.name = name
        self.namespace = namespace
    }
}

public enum RestartPolicy: String, Sendable, Equatable, Hashable, CaseIterable {
    case always = "Always"
    case onFailure = "OnFailure"
    case never = "Never"
}

public enum PullPolicy: String, Sendable, Equatable, Hashable, CaseIterable {
    case always = "Always"
    case ifNotPresent = "IfNotPresent"
    case never = "Never"
}

public struct PodSpec: Sendable, Equatable, Hashable {
    public var containers: [Container] = []
    public var initContainers: [Container] = []
    public var restartPolicy: RestartPolicy = .always
    public var terminationGracePeriodSeconds: Int64 = 30
    public var activeDeadlineSeconds: Int64?
    public var hostname: String?
    public var hostNetwork: Bool = false
    public var hostPID: Bool = false
    public var hostIPC: Bool = false
    public var volumes: [Volume] = []

    public init(containers: [Container] = []) {
        self.containers = containers
    }
}

public struct Container: Sendable, Equatable, Hashable {
    public var name: String
    public var image: String
    public var imagePullPolicy: PullPolicy = .ifNotPresent
    public var command: [String] = []
    public var args: [String] = []
    public var workingDir: String?
    public var env: [EnvVar] = []
    public var ports: [ContainerPort] = []
    public var resources: ResourceRequirements = .init()
    public var volumeMounts: [VolumeMount] = []

    public init(name: String, image: String) {
        self.name = name
        self.image = image
    }
}

public struct EnvVar: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String = ""

    public init(name: String, value: String = "") {
        self.name = name
        self.value = value
    }
}

public struct ContainerPort: Sendable, Equatable, Hashable {
    public var name: String?
    public var containerPort: Int32
    public var hostPort: Int32?
    public var `protocol`: String = "TCP"

    public init(containerPort: Int32) {
        self.containerPort = containerPort
    }
}

/// requests/limits as Kubernetes writes them (`500m`, `128Mi`), plus their parsed values.
public struct ResourceRequirements: Sendable, Equatable, Hashable {
    public var limits: [String: Quantity] = [:]
    public var requests: [String: Quantity] = [:]

    public init() {}

    /// The memory limit in bytes, if set.
    public var memoryLimitBytes: Int64? { limits["memory"]?.value }
    /// The cpu limit in millicores, if set.
    public var cpuLimitMillis: Int64? { limits["cpu"]?.milliValue }
}

/// A Kubernetes resource quantity: the text as written and its value.
public struct Quantity: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var text: String
    /// The value in base units, rounded up (bytes for memory, cores for cpu).
    public var value: Int64
    /// The value ×1000, rounded up (millicores for cpu).
    public var milliValue: Int64

    public init(text: String, value: Int64, milliValue: Int64) {
        self.text = text
        self.value = value
        self.milliValue = milliValue
    }

    public var description: String { text }
}

public struct VolumeMount: Sendable, Equatable, Hashable {
    public var name: String
    public var mountPath: String
    public var readOnly: Bool = false
    public var subPath: String?

    public init(name: String, mountPath: String) {
        self.name = name
        self.mountPath = mountPath
    }
}

public struct Volume: Sendable, Equatable, Hashable {
    public var name: String
    public var hostPath: HostPathVolumeSource?
    public var emptyDir: EmptyDirVolumeSource?

    public init(name: String) {
        self.name = name
    }
}

public struct HostPathVolumeSource: Sendable, Equatable, Hashable {
    public var path: String
    public var type: String?

    public init(path: String) {
        self.path = path
    }
}

public struct EmptyDirVolumeSource: Sendable, Equatable, Hashable {
    public var medium: String?
    public var sizeLimit: Quantity?

    public init() {}
}
