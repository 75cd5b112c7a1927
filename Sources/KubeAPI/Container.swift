/// A container of a Pod (app, init or sidecar) and the value types it is made of.
public struct Container: Sendable, Equatable, Hashable {
    public var name: String
    public var image: String
    /// Defaulted from the image when absent: `Always` for `:latest` or no tag, else `IfNotPresent`.
    public var imagePullPolicy: PullPolicy = .ifNotPresent
    public var command: [String] = []
    public var args: [String] = []
    public var workingDir: String?
    public var env: [EnvVar] = []
    public var envFrom: [EnvFromSource] = []
    public var ports: [ContainerPort] = []
    public var resources: ResourceRequirements = .init()
    public var volumeMounts: [VolumeMount] = []
    public var securityContext: SecurityContext?
    public var livenessProbe: Probe?
    public var readinessProbe: Probe?
    public var startupProbe: Probe?
    public var lifecycle: Lifecycle?
    /// Only `Always`, only on init containers: makes it a sidecar.
    public var restartPolicy: RestartPolicy?
    public var stdin: Bool = false
    public var tty: Bool = false

    public init(name: String, image: String) {
        self.name = name
        self.image = image
        self.imagePullPolicy = Container.defaultPullPolicy(image: image)
    }

    /// Kubernetes' rule: an image without a tag, or tagged `latest`, is pulled every time;
    /// a digest pins the content.
    public static func defaultPullPolicy(image: String) -> PullPolicy {
        if image.contains("@") { return .ifNotPresent }
        let lastComponent = image.split(separator: "/").last ?? Substring(image)
        guard let colon = lastComponent.lastIndex(of: ":") else { return .always }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? .always : .ifNotPresent
    }
}

public struct EnvVar: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String = ""
    public var valueFrom: EnvVarSource?

    public init(name: String, value: String = "") {
        self.name = name
        self.value = value
    }
}

/// Exactly one source; checked by validation.
public struct EnvVarSource: Sendable, Equatable, Hashable, Codable {
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var configMapKeyRef: KeySelector?
    public var secretKeyRef: KeySelector?

    public init() {}
}

/// `metadata.name`, `metadata.labels['app']`, `status.podIP`…
public struct ObjectFieldSelector: Sendable, Equatable, Hashable {
    public var apiVersion: String = "v1"
    public var fieldPath: String

    public init(fieldPath: String) {
        self.fieldPath = fieldPath
    }
}

public struct ResourceFieldSelector: Sendable, Equatable, Hashable, Codable {
    public var containerName: String?
    public var resource: String
    public var divisor: Quantity?

    public init(resource: String) {
        self.resource = resource
    }
}

/// A key of a ConfigMap or Secret in the manifest directory (configMapKeyRef / secretKeyRef).
public struct KeySelector: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var key: String
    public var optional: Bool?

    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }
}

public struct EnvFromSource: Sendable, Equatable, Hashable, Codable {
    public var prefix: String?
    public var configMapRef: ObjectReference?
    public var secretRef: ObjectReference?

    public init() {}
}

/// A ConfigMap or Secret named whole (envFrom).
public struct ObjectReference: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var optional: Bool?

    public init(name: String) {
        self.name = name
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

/// A Kubernetes resource quantity: the text as written and its value (parsing: Quantity.swift).
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
    /// None (default), HostToContainer or Bidirectional.
    public var mountPropagation: String?

    public init(name: String, mountPath: String) {
        self.name = name
        self.mountPath = mountPath
    }
}

public struct SecurityContext: Sendable, Equatable, Hashable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var privileged: Bool?
    /// Kubernetes treats absent as true; no_new_privs is set exactly when this is false.
    public var allowPrivilegeEscalation: Bool?
    public var capabilities: Capabilities?
    public var seccompProfile: SeccompProfile?

    public init() {}
}

public struct Capabilities: Sendable, Equatable, Hashable {
    public var add: [String] = []
    public var drop: [String] = []

    public init(add: [String] = [], drop: [String] = []) {
        self.add = add
        self.drop = drop
    }
}

public enum SeccompProfileType: String, Sendable, Equatable, Hashable, CaseIterable, KubeEnum {
    case runtimeDefault = "RuntimeDefault"
    case unconfined = "Unconfined"
    case localhost = "Localhost"
}

public struct SeccompProfile: Sendable, Equatable, Hashable, Codable {
    public var type: SeccompProfileType
    /// Required for `Localhost`: a path relative to the node's seccomp profile directory.
    public var localhostProfile: String?

    public init(type: SeccompProfileType, localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }
}
