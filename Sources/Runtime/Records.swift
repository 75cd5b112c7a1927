import CRI
import FoundationEssentials
import SwkSupport

/// The runtime's own records, as stored in `sandbox.json` and `container.json` (see
/// `RuntimeLayout`). They are the runtime's metadata, not CRI messages (containerd keeps the two
/// apart too): they carry a `version`, and their decoding — including every default for a field
/// that older files lack — lives here, so a change to the CRI types cannot strand the records of
/// containers that outlive a daemon upgrade.
///
/// Versions (append only):
/// - 0: no `version` key; written up to issue 15. Files from before a field existed decode with
///   its default (`sysctls`, a mount's `propagation`/`subPath`/`readonly`, `securityContext`, …).
/// - 1: adds `version`; otherwise the layout of 0.
///
/// A file of a newer version is refused rather than half-read: `LocalRuntime` then reports it
/// (`UnreadableRecord`) instead of guessing.
enum RecordVersion {
    static let current = 1
}

/// A sandbox as stored in sandbox.json.
struct SandboxRecord: Sendable {
    /// The version the file was read at; records are always written at `RecordVersion.current`.
    var version = RecordVersion.current
    var id: String
    var config: PodSandboxConfig
    var createdAt: Int64
    var state: PodSandboxState
    var hostname: String
    /// OCI namespace type (`network`, `ipc`, `uts`) → pinned file, for the kinds the pod owns.
    var namespaces: [String: String]
    /// The pod IP from the CNI result; nil for host-network pods and runtimes without CNI.
    var ip: String? = nil
}

/// A container as stored in container.json; its state is derived from the shim's files.
struct ContainerRecord: Sendable {
    var version = RecordVersion.current
    var id: String
    var podSandboxId: String
    var config: ContainerConfig
    var imageRef: String
    var createdAt: Int64
    var startedAt: Int64
    var logPath: String
    var stopSignal: Int32
}

extension SandboxRecord: Codable {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        version = try RecordVersion.check(c)
        id = try c.decode(String.self, forKey: "id")
        config = try c.decode(StoredSandboxConfig.self, forKey: "config").value
        createdAt = try c.decode(Int64.self, forKey: "createdAt")
        state = try c.decode(PodSandboxState.self, forKey: "state")
        hostname = try c.decode(String.self, forKey: "hostname")
        namespaces = try c.decode([String: String].self, forKey: "namespaces")
        ip = try c.decodeIfPresent(String.self, forKey: "ip")
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: RecordKey.self)
        try c.encode(RecordVersion.current, forKey: "version")
        try c.encode(id, forKey: "id")
        try c.encode(config, forKey: "config")
        try c.encode(createdAt, forKey: "createdAt")
        try c.encode(state, forKey: "state")
        try c.encode(hostname, forKey: "hostname")
        try c.encode(namespaces, forKey: "namespaces")
        try c.encodeIfPresent(ip, forKey: "ip")
    }
}

extension ContainerRecord: Codable {
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        version = try RecordVersion.check(c)
        id = try c.decode(String.self, forKey: "id")
        podSandboxId = try c.decode(String.self, forKey: "podSandboxId")
        config = try c.decode(StoredContainerConfig.self, forKey: "config").value
        imageRef = try c.decode(String.self, forKey: "imageRef")
        createdAt = try c.decode(Int64.self, forKey: "createdAt")
        startedAt = try c.decode(Int64.self, forKey: "startedAt")
        logPath = try c.decode(String.self, forKey: "logPath")
        stopSignal = try c.decode(Int32.self, forKey: "stopSignal")
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: RecordKey.self)
        try c.encode(RecordVersion.current, forKey: "version")
        try c.encode(id, forKey: "id")
        try c.encode(podSandboxId, forKey: "podSandboxId")
        try c.encode(config, forKey: "config")
        try c.encode(imageRef, forKey: "imageRef")
        try c.encode(createdAt, forKey: "createdAt")
        try c.encode(startedAt, forKey: "startedAt")
        try c.encode(logPath, forKey: "logPath")
        try c.encode(stopSignal, forKey: "stopSignal")
    }
}

extension RecordVersion {
    /// The file's version (0 when it has none); a newer one than this runtime knows is an error.
    static func check(_ c: KeyedDecodingContainer<RecordKey>) throws -> Int {
        let version = try c.decodeIfPresent(Int.self, forKey: "version") ?? 0
        guard (0...current).contains(version) else {
            throw DecodingError.dataCorruptedError(forKey: "version", in: c, debugDescription:
                "record version \(version) is not one this runtime reads (0…\(current))")
        }
        return version
    }
}

/// A JSON key of a record, spelled as a string literal.
struct RecordKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    init(stringLiteral value: String) { stringValue = value }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer<RecordKey> {
    /// The value at `key`, or `fallback` when the file predates the field.
    func decode<T: Decodable>(_ key: RecordKey, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

// The configs are written with the CRI types' own (synthesized) encoding and read back here,
// where older files' missing fields get their defaults. The leaf types (metadata, resources,
// security context, volumes) are read with their CRI decoding; `RecordsTests` pins the layout
// with a file written by a real run.

private struct StoredSandboxConfig: Decodable {
    var value: PodSandboxConfig
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        value = PodSandboxConfig(metadata: try c.decode(PodSandboxMetadata.self, forKey: "metadata"))
        value.hostname = try c.decode("hostname", or: "")
        value.dnsConfig = try c.decodeIfPresent(DNSConfig.self, forKey: "dnsConfig")
        value.logDirectory = try c.decode("logDirectory", or: "")
        value.portMappings = try c.decode("portMappings", or: [])
        value.labels = try c.decode("labels", or: [:])
        value.annotations = try c.decode("annotations", or: [:])
        value.linux = try c.decodeIfPresent(StoredLinuxSandbox.self, forKey: "linux")?.value ?? .init()
    }
}

private struct StoredLinuxSandbox: Decodable {
    var value = LinuxPodSandboxConfig()
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        value.cgroupParent = try c.decode("cgroupParent", or: "")
        value.namespaceOptions = try c.decode("namespaceOptions", or: NamespaceOption())
        value.resources = try c.decodeIfPresent(LinuxContainerResources.self, forKey: "resources")
        value.sysctls = try c.decode("sysctls", or: [:])
    }
}

private struct StoredContainerConfig: Decodable {
    var value: ContainerConfig
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        value = ContainerConfig(metadata: try c.decode(ContainerMetadata.self, forKey: "metadata"),
                                image: try c.decode(ImageSpec.self, forKey: "image"))
        value.command = try c.decode("command", or: [])
        value.args = try c.decode("args", or: [])
        value.workingDir = try c.decode("workingDir", or: "")
        value.envs = try c.decode("envs", or: [])
        value.mounts = try c.decode("mounts", or: [StoredMount]()).map(\.value)
        value.labels = try c.decode("labels", or: [:])
        value.annotations = try c.decode("annotations", or: [:])
        value.logPath = try c.decode("logPath", or: "")
        if let linux = try c.decodeIfPresent(StoredLinuxContainer.self, forKey: "linux") { value.linux = linux.value }
    }
}

private struct StoredMount: Decodable {
    var value: CRI.Mount
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        value = CRI.Mount(containerPath: try c.decode(String.self, forKey: "containerPath"),
                          hostPath: try c.decode(String.self, forKey: "hostPath"),
                          readonly: try c.decode("readonly", or: false))
        value.volume = try c.decodeIfPresent(PodVolume.self, forKey: "volume")
        value.subPath = try c.decode("subPath", or: "")
        value.propagation = try c.decode("propagation", or: MountPropagation.private)
    }
}

private struct StoredLinuxContainer: Decodable {
    var value = LinuxContainerConfig()
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        value.resources = try c.decode("resources", or: LinuxContainerResources())
        value.securityContext = try c.decode("securityContext", or: LinuxContainerSecurityContext())
    }
}
