/// Kubernetes core/v1 Pod, the subset swkube runs (docs/manifests.md), with the field
/// names verbatim so manifests and `-o yaml` output round-trip with a real cluster.
///
/// Conventions: a field Kubernetes defaults is non-optional here and holds the default after
/// decoding (namespace `default`, restartPolicy `Always`, imagePullPolicy by tag…); a field with no
/// default is optional; lists are non-optional and empty when absent.
///
/// Decoding (`init(from:)`) applies the defaults and rejects fields swkube cannot honour;
/// `validate()` (Validation.swift) checks the rules the API server checks; `ManifestParser` does
/// both for a file. Encoding omits empty values, as `kubectl get -o json` does.
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

public enum RestartPolicy: String, Sendable, Equatable, Hashable, CaseIterable, KubeEnum {
    case always = "Always"
    case onFailure = "OnFailure"
    case never = "Never"
}

public enum PullPolicy: String, Sendable, Equatable, Hashable, CaseIterable, KubeEnum {
    case always = "Always"
    case ifNotPresent = "IfNotPresent"
    case never = "Never"
}

public enum DNSPolicy: String, Sendable, Equatable, Hashable, CaseIterable, KubeEnum {
    case clusterFirstWithHostNet = "ClusterFirstWithHostNet"
    case clusterFirst = "ClusterFirst"
    case `default` = "Default"
    case none = "None"
}

public struct PodSpec: Sendable, Equatable, Hashable {
    public var containers: [Container] = []
    public var initContainers: [Container] = []
    public var restartPolicy: RestartPolicy = .always
    public var terminationGracePeriodSeconds: Int64 = 30
    public var activeDeadlineSeconds: Int64?
    public var hostname: String?
    public var subdomain: String?
    public var hostNetwork: Bool = false
    public var hostPID: Bool = false
    public var hostIPC: Bool = false
    public var dnsPolicy: DNSPolicy = .clusterFirst
    public var dnsConfig: PodDNSConfig?
    public var securityContext: PodSecurityContext?
    public var volumes: [Volume] = []

    public init(containers: [Container] = []) {
        self.containers = containers
    }
}

public struct PodDNSConfig: Sendable, Equatable, Hashable {
    public var nameservers: [String] = []
    public var searches: [String] = []
    public var options: [PodDNSConfigOption] = []

    public init() {}
}

public struct PodDNSConfigOption: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// Pod-level security settings; a container's own `securityContext` overrides the shared fields.
public struct PodSecurityContext: Sendable, Equatable, Hashable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var fsGroup: Int64?
    public var supplementalGroups: [Int64] = []
    public var sysctls: [Sysctl] = []
    public var seccompProfile: SeccompProfile?

    public init() {}
}

public struct Sysctl: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

// MARK: Codable

extension Pod: Codable {
    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.value(.apiVersion, default: "v1")
        kind = try c.value(.kind, default: "Pod")
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decode(PodSpec.self, forKey: .spec)
        try consume(decoder, ["status"])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(apiVersion, forKey: .apiVersion)
        try c.encode(kind, forKey: .kind)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(spec, forKey: .spec)
    }
}

extension ObjectMeta: Codable {
    enum CodingKeys: String, CodingKey { case name, namespace, labels, annotations, uid }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["generateName"])
        name = try c.value(.name, default: "")
        // An empty namespace means the default one, as on a cluster.
        let namespace = try c.value(.namespace, default: "")
        self.namespace = namespace.isEmpty ? "default" : namespace
        labels = try c.map(.labels)
        annotations = try c.map(.annotations)
        // Set by the API server on a cluster; here derived from namespace/name by the parser.
        try consume(decoder, ["uid", "creationTimestamp", "resourceVersion", "generation", "selfLink", "managedFields"])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(namespace, forKey: .namespace)
        try c.encodeNonEmpty(labels, forKey: .labels)
        try c.encodeNonEmpty(annotations, forKey: .annotations)
        if !uid.isEmpty { try c.encode(uid, forKey: .uid) }
    }
}

extension PodSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case containers, initContainers, restartPolicy, terminationGracePeriodSeconds, activeDeadlineSeconds
        case hostname, subdomain, hostNetwork, hostPID, hostIPC, dnsPolicy, dnsConfig, securityContext, volumes
    }

    /// Pod-level fields whose effect swkube cannot provide on one node.
    static let unsupported = ["ephemeralContainers", "overhead", "shareProcessNamespace", "hostAliases",
                              "hostUsers", "runtimeClassName", "resourceClaims", "schedulingGates",
                              "os", "readinessGates", "resources", "setHostnameAsFQDN"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, Self.unsupported)
        containers = try c.list(.containers)
        initContainers = try c.list(.initContainers)
        restartPolicy = try c.value(.restartPolicy, default: .always)
        terminationGracePeriodSeconds = try c.value(.terminationGracePeriodSeconds, default: 30)
        activeDeadlineSeconds = try c.decodeIfPresent(Int64.self, forKey: .activeDeadlineSeconds)
        // Empty means unset (Go's omitempty strings).
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname).flatMap { $0.isEmpty ? nil : $0 }
        subdomain = try c.decodeIfPresent(String.self, forKey: .subdomain).flatMap { $0.isEmpty ? nil : $0 }
        hostNetwork = try c.value(.hostNetwork, default: false)
        hostPID = try c.value(.hostPID, default: false)
        hostIPC = try c.value(.hostIPC, default: false)
        dnsPolicy = try c.value(.dnsPolicy, default: .clusterFirst)
        dnsConfig = try c.decodeIfPresent(PodDNSConfig.self, forKey: .dnsConfig)
        securityContext = try c.decodeIfPresent(PodSecurityContext.self, forKey: .securityContext)
        volumes = try c.list(.volumes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(containers, forKey: .containers)
        try c.encodeNonEmpty(initContainers, forKey: .initContainers)
        try c.encode(restartPolicy, forKey: .restartPolicy)
        try c.encode(terminationGracePeriodSeconds, forKey: .terminationGracePeriodSeconds)
        try c.encodeIfPresent(activeDeadlineSeconds, forKey: .activeDeadlineSeconds)
        try c.encodeIfPresent(hostname, forKey: .hostname)
        try c.encodeIfPresent(subdomain, forKey: .subdomain)
        try c.encodeIfTrue(hostNetwork, forKey: .hostNetwork)
        try c.encodeIfTrue(hostPID, forKey: .hostPID)
        try c.encodeIfTrue(hostIPC, forKey: .hostIPC)
        try c.encode(dnsPolicy, forKey: .dnsPolicy)
        try c.encodeIfPresent(dnsConfig, forKey: .dnsConfig)
        try c.encodeIfPresent(securityContext, forKey: .securityContext)
        try c.encodeNonEmpty(volumes, forKey: .volumes)
    }
}

extension PodDNSConfig: Codable {
    enum CodingKeys: String, CodingKey { case nameservers, searches, options }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nameservers = try c.list(.nameservers)
        searches = try c.list(.searches)
        options = try c.list(.options)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNonEmpty(nameservers, forKey: .nameservers)
        try c.encodeNonEmpty(searches, forKey: .searches)
        try c.encodeNonEmpty(options, forKey: .options)
    }
}

extension PodDNSConfigOption: Codable {}
extension Sysctl: Codable {}

extension PodSecurityContext: Codable {
    enum CodingKeys: String, CodingKey {
        case runAsUser, runAsGroup, runAsNonRoot, fsGroup, supplementalGroups, sysctls, seccompProfile
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["windowsOptions", "seLinuxOptions", "appArmorProfile", "fsGroupChangePolicy",
                                        "supplementalGroupsPolicy", "seLinuxChangePolicy"])
        runAsUser = try c.decodeIfPresent(Int64.self, forKey: .runAsUser)
        runAsGroup = try c.decodeIfPresent(Int64.self, forKey: .runAsGroup)
        runAsNonRoot = try c.decodeIfPresent(Bool.self, forKey: .runAsNonRoot)
        fsGroup = try c.decodeIfPresent(Int64.self, forKey: .fsGroup)
        supplementalGroups = try c.list(.supplementalGroups)
        sysctls = try c.list(.sysctls)
        seccompProfile = try c.decodeIfPresent(SeccompProfile.self, forKey: .seccompProfile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(runAsUser, forKey: .runAsUser)
        try c.encodeIfPresent(runAsGroup, forKey: .runAsGroup)
        try c.encodeIfPresent(runAsNonRoot, forKey: .runAsNonRoot)
        try c.encodeIfPresent(fsGroup, forKey: .fsGroup)
        try c.encodeNonEmpty(supplementalGroups, forKey: .supplementalGroups)
        try c.encodeNonEmpty(sysctls, forKey: .sysctls)
        try c.encodeIfPresent(seccompProfile, forKey: .seccompProfile)
    }
}
