import FoundationEssentials
import SwkYAML

/// A ConfigMap declared in the manifest directory, for pods of the same directory
/// (env valueFrom/envFrom and configMap volumes).
public struct ConfigMap: Sendable, Equatable, Hashable {
    public var metadata: ObjectMeta
    public var data: [String: String] = [:]
    /// `binaryData`, base64-decoded.
    public var binaryData: [String: [UInt8]] = [:]
    public var immutable: Bool = false

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }
}

/// A Secret declared in the manifest directory. `data` holds the decoded bytes, with `stringData`
/// merged over it as the API server does on write.
public struct Secret: Sendable, Equatable, Hashable {
    public var metadata: ObjectMeta
    public var data: [String: [UInt8]] = [:]
    public var type: String = "Opaque"
    public var immutable: Bool = false

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }
}

extension ConfigMap: Decodable {
    enum CodingKeys: String, CodingKey { case metadata, data, binaryData, immutable }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try consume(decoder, ["apiVersion", "kind"])
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        data = try c.map(.data)
        binaryData = try decodeBase64Map(c, .binaryData)
        immutable = try c.value(.immutable, default: false)
    }
}

extension Secret: Decodable {
    enum CodingKeys: String, CodingKey { case metadata, data, stringData, type, immutable }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try consume(decoder, ["apiVersion", "kind"])
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        data = try decodeBase64Map(c, .data)
        let strings: [String: String] = try c.map(.stringData)
        for (key, value) in strings { data[key] = Array(value.utf8) }
        type = try c.value(.type, default: "Opaque")
        immutable = try c.value(.immutable, default: false)
    }
}

private func decodeBase64Map<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> [String: [UInt8]] {
    guard c.contains(key), try !c.decodeNil(forKey: key) else { return [:] }
    let nested = try c.nestedContainer(keyedBy: AnyKey.self, forKey: key)
    var out: [String: [UInt8]] = [:]
    for entryKey in nested.allKeys {
        let text = try nested.decode(String.self, forKey: entryKey)
        guard let bytes = Data(base64Encoded: text.filter { !$0.isWhitespace }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: nested.codingPath + [YAMLMapKey(entryKey.stringValue)],
                                                    debugDescription: "invalid value: not valid base64"))
        }
        out[entryKey.stringValue] = Array(bytes)
    }
    return out
}
