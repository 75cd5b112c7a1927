import SwkYAML

/// Shared pieces of the hand-written `Codable` conformances. They are hand-written because
/// Kubernetes defaults absent fields (synthesized `Decodable` would demand them) and omits empty
/// ones when printing (synthesized `Encodable` would print `[]` and `false`).

/// Any field name, for presence checks of fields a type does not model.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A string-valued Kubernetes enum (`restartPolicy`, `imagePullPolicy`, …) whose error names the
/// value and the allowed ones, in Kubernetes' order.
protocol KubeEnum: RawRepresentable<String>, CaseIterable, Codable, Sendable {}

extension KubeEnum {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let allowed = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "invalid value \"\(text)\": must be one of \(allowed)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// Fields Kubernetes has but swkube cannot honour without changing what the pod means: an error
/// naming the field, so the operator never runs something other than what they wrote.
func rejectUnsupported(_ decoder: any Decoder, _ fields: [String]) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    for field in fields where c.contains(AnyKey(field)) {
        throw DecodingError.dataCorruptedError(
            forKey: AnyKey(field), in: c, debugDescription: "field is not supported by swkube")
    }
}

/// Fields Kubernetes fills in itself (`creationTimestamp`, `status`…): read and dropped silently,
/// so `kubectl get -o yaml` output can be dropped into the manifest directory as is.
func consume(_ decoder: any Decoder, _ fields: [String]) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    for field in fields { _ = try c.decodeNil(forKey: AnyKey(field)) }
}

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }

    func list<T: Decodable>(_ key: Key) throws -> [T] {
        try decodeIfPresent([T].self, forKey: key) ?? []
    }

    func map<T: Decodable>(_ key: Key) throws -> [String: T] {
        try decodeIfPresent([String: T].self, forKey: key) ?? [:]
    }
}

extension KeyedEncodingContainer {
    /// Go's `omitempty` for lists and maps.
    mutating func encodeNonEmpty<C: Collection & Encodable>(_ value: C, forKey key: Key) throws {
        if !value.isEmpty { try encode(value, forKey: key) }
    }

    /// Go's `omitempty` for booleans.
    mutating func encodeIfTrue(_ value: Bool, forKey key: Key) throws {
        if value { try encode(value, forKey: key) }
    }
}

/// An integer or a named port (`port: 8080` or `port: http`), Kubernetes' IntOrString.
public enum IntOrString: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case int(Int32)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if case .int? = decoder.yamlNode?.resolved {
            self = .int(try c.decode(Int32.self))
        } else if let i = try? c.decode(Int32.self) {
            self = .int(i)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }
}
