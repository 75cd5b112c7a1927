import FoundationEssentials
import SwkYAML

extension Pod {
    /// A UUID-formatted id that depends only on namespace/name, so a pod keeps its uid across
    /// edits of its manifest and restarts of the daemon (log paths and state rows key on it).
    /// 128 bits of FNV-1a, marked as an RFC 9562 version-8 (custom) UUID.
    public static func derivedUID(namespace: String, name: String) -> String {
        let key = Array("\(namespace)/\(name)".utf8)
        let high = fnv1a64(Array("swkube-uid-a:".utf8) + key)
        let low = fnv1a64(Array("swkube-uid-b:".utf8) + key)
        let versioned = (high & ~0xF000) | 0x8000  // version 8 in bits 12–15 of the third group
        let varianted = (low & ~(0b11 << 62)) | (0b10 << 62)  // RFC 4122 variant
        let hex = hex64(versioned) + hex64(varianted)
        let chars = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
    }

    /// A hash of the pod-level spec: everything in `spec` except the containers themselves
    /// (volumes, hostNetwork, DNS, security context, …). When it changes the sandbox must be
    /// recreated; when only a container's `specHash` changes, only that container is replaced.
    public var sandboxHash: String {
        var podLevel = spec
        podLevel.containers = []
        podLevel.initContainers = []
        return normalisedHash(podLevel)
    }

    /// Kubernetes' JSON shape, keys sorted, empty values omitted (`-o json`).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// The same object as block YAML (`-o yaml`): JSON is YAML, so the JSON encoding is read
    /// back as a node tree and written out by `YAMLEmitter`.
    public func yamlText() throws -> String {
        YAMLEmitter.emit(try YAMLParser().parseSingle(try jsonBytes()))
    }
}

extension Container {
    /// A hash of the container's spec in a normalised encoding (JSON, sorted keys, empty values
    /// omitted): stable across processes and restarts, different when any field differs. The
    /// controller compares it to decide whether a container must be replaced (kubelet does the same).
    public var specHash: String { normalisedHash(self) }
}

/// FNV-1a of the sorted-keys JSON encoding. Encoding these value types cannot fail (no floats);
/// the reflection fallback keeps "differs when any field differs" true even so.
func normalisedHash<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let bytes = (try? encoder.encode(value)).map(Array.init) ?? Array(String(reflecting: value).utf8)
    return hex64(fnv1a64(bytes))
}

func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}

func hex64(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
