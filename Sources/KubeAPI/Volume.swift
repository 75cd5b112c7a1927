/// Pod volumes: hostPath, emptyDir, and configMap/secret (from objects in the manifest directory).
public struct Volume: Sendable, Equatable, Hashable {
    public var name: String
    public var hostPath: HostPathVolumeSource?
    public var emptyDir: EmptyDirVolumeSource?
    public var configMap: ConfigMapVolumeSource?
    public var secret: SecretVolumeSource?

    public init(name: String) {
        self.name = name
    }

    /// The source fields that are set (validation wants exactly one).
    var setSources: [String] {
        [hostPath.map { _ in "hostPath" }, emptyDir.map { _ in "emptyDir" },
         configMap.map { _ in "configMap" }, secret.map { _ in "secret" }].compactMap { $0 }
    }

    /// Volume types of Kubernetes that need a cluster or storage driver swkube does not have.
    static let unsupportedSources = [
        "persistentVolumeClaim", "nfs", "iscsi", "glusterfs", "rbd", "cephfs", "cinder", "fc", "flocker",
        "flexVolume", "azureFile", "azureDisk", "vsphereVolume", "quobyte", "photonPersistentDisk",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image", "projected", "downwardAPI",
        "gcePersistentDisk", "awsElasticBlockStore", "gitRepo",
    ]
}

public struct HostPathVolumeSource: Sendable, Equatable, Hashable, Codable {
    public var path: String
    /// "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice.
    public var type: String?

    public init(path: String) {
        self.path = path
    }
}

public struct EmptyDirVolumeSource: Sendable, Equatable, Hashable, Codable {
    /// "" (node disk) or "Memory" (tmpfs).
    public var medium: String?
    public var sizeLimit: Quantity?

    public init() {}
}

/// A ConfigMap of the manifest directory, projected as files.
public struct ConfigMapVolumeSource: Sendable, Equatable, Hashable {
    public var name: String
    public var items: [KeyToPath] = []
    /// File mode bits, 0644 unless set.
    public var defaultMode: Int32 = 0o644
    public var optional: Bool?

    public init(name: String) {
        self.name = name
    }
}

/// A Secret of the manifest directory, projected as files.
public struct SecretVolumeSource: Sendable, Equatable, Hashable {
    public var secretName: String
    public var items: [KeyToPath] = []
    public var defaultMode: Int32 = 0o644
    public var optional: Bool?

    public init(secretName: String) {
        self.secretName = secretName
    }
}

public struct KeyToPath: Sendable, Equatable, Hashable, Codable {
    public var key: String
    public var path: String
    public var mode: Int32?

    public init(key: String, path: String) {
        self.key = key
        self.path = path
    }
}

// MARK: Codable

extension Volume: Codable {
    enum CodingKeys: String, CodingKey { case name, hostPath, emptyDir, configMap, secret }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, Self.unsupportedSources)
        name = try c.value(.name, default: "")
        hostPath = try c.decodeIfPresent(HostPathVolumeSource.self, forKey: .hostPath)
        emptyDir = try c.decodeIfPresent(EmptyDirVolumeSource.self, forKey: .emptyDir)
        configMap = try c.decodeIfPresent(ConfigMapVolumeSource.self, forKey: .configMap)
        secret = try c.decodeIfPresent(SecretVolumeSource.self, forKey: .secret)
        // `emptyDir: {}` decodes as a mapping; a bare `emptyDir:` (null) means the same in Kubernetes.
        if emptyDir == nil, c.contains(.emptyDir) { emptyDir = EmptyDirVolumeSource() }
    }
}

extension ConfigMapVolumeSource: Codable {
    enum CodingKeys: String, CodingKey { case name, items, defaultMode, optional }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.value(.name, default: "")
        items = try c.list(.items)
        defaultMode = try c.value(.defaultMode, default: 0o644)
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeNonEmpty(items, forKey: .items)
        try c.encode(defaultMode, forKey: .defaultMode)
        try c.encodeIfPresent(optional, forKey: .optional)
    }
}

extension SecretVolumeSource: Codable {
    enum CodingKeys: String, CodingKey { case secretName, items, defaultMode, optional }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        secretName = try c.value(.secretName, default: "")
        items = try c.list(.items)
        defaultMode = try c.value(.defaultMode, default: 0o644)
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(secretName, forKey: .secretName)
        try c.encodeNonEmpty(items, forKey: .items)
        try c.encode(defaultMode, forKey: .defaultMode)
        try c.encodeIfPresent(optional, forKey: .optional)
    }
}
