/// A Swift `Decoder` over a `YAMLNode` tree.
///
/// Errors name the field path (`spec.containers[0].image`) and the line and column of the value
/// (for a missing field, of the object that lacks it). Every mapping key that the decoded types
/// never asked for is reported as an unknown field — Kubernetes warns about those rather than
/// failing, and so do we. Strictness follows Kubernetes' JSON decoding: a quoted `"80"` is not an
/// integer, `maybe` is not a boolean, null is "not set" (the empty string in a string field). One
/// leniency: any scalar decodes as a `String` field (its text as written), so `value: 8080` works —
/// and is reported in `coercedStrings`, because a cluster would reject it.
public struct YAMLDecoder: Sendable {
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode) throws(YAMLError) -> T {
        try decodeWithReport(type, from: node).value
    }

    /// Decodes and reports, in document order, the keys no decoded type asked for and the
    /// scalars that were read as strings although YAML types them otherwise.
    public func decodeWithReport<T: Decodable>(_ type: T.Type, from node: YAMLNode) throws(YAMLError) -> YAMLDecodeReport<T> {
        let context = DecodingContext(root: node)
        let decoder = NodeDecoder(node: node, codingPath: [], context: context, userInfo: userInfo)
        do {
            let value = try decoder.unbox(T.self, asField: true)
            return YAMLDecodeReport(value: value, unknownFields: context.unknownFields(), coercedStrings: context.coercedStrings)
        } catch let error as YAMLError {
            throw error
        } catch let error as DecodingError {
            throw context.translate(error)
        } catch {
            throw YAMLError(.decoding, "\(error)", mark: node.mark)
        }
    }
}

public struct YAMLDecodeReport<T> {
    public var value: T
    /// Mapping keys the decoded types never read.
    public var unknownFields: [YAMLUnknownField]
    /// Plain scalars such as `8080` or `yes` that a `String` field took as text. JSON (and so the
    /// Kubernetes API server) would see a number or a boolean there and reject it.
    public var coercedStrings: [YAMLCoercedString]
}

/// A mapping key the decoded types never read.
public struct YAMLUnknownField: Sendable, Equatable {
    public var path: String
    public var mark: YAMLMark
}

/// A plain scalar of another YAML type read as a string field.
public struct YAMLCoercedString: Sendable, Equatable {
    public var path: String
    public var mark: YAMLMark
    public var text: String
    /// "an integer", "a boolean", "a number".
    public var yamlType: String
}

/// Coding paths as field paths: integer keys are list indexes; string keys that are not plain
/// identifiers (label keys like `app.kubernetes.io/name`) are map keys, written `[key]`.
func pathElements(_ codingPath: [any CodingKey]) -> [YAMLPathElement] {
    codingPath.map { key in
        if key is YAMLMapKey { return .key(key.stringValue) }
        if let i = key.intValue { return .index(i) }
        let s = key.stringValue
        let plain = !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return plain ? .field(s) : .key(s)
    }
}

final class DecodingContext {
    let root: YAMLNode
    private var mappings: [(path: [any CodingKey], node: YAMLNode)] = []
    private var registered: Set<String> = []
    private var used: [String: Set<String>] = [:]
    private(set) var coercedStrings: [YAMLCoercedString] = []

    init(root: YAMLNode) {
        self.root = root
    }

    /// Registers a mapping being decoded; returns its id (its field path) for `use`.
    func register(_ path: [any CodingKey], _ node: YAMLNode) -> String {
        let id = pathElements(path).fieldPath
        if registered.insert(id).inserted { mappings.append((path, node)) }
        return id
    }

    func use(_ mappingID: String, _ key: String) {
        used[mappingID, default: []].insert(key)
    }

    func coerced(_ path: [any CodingKey], _ node: YAMLNode, _ text: String) {
        coercedStrings.append(YAMLCoercedString(path: pathElements(path).fieldPath, mark: node.mark, text: text,
                                                yamlType: node.typeName))
    }

    func unknownFields() -> [YAMLUnknownField] {
        var out: [YAMLUnknownField] = []
        for (path, node) in mappings {
            let seen = used[pathElements(path).fieldPath] ?? []
            for pair in node.mapping ?? [] {
                guard let key = pair.key.scalarText, !seen.contains(key) else { continue }
                let fieldPath = pathElements(path + [AnyCodingKey(key)]).fieldPath
                out.append(YAMLUnknownField(path: fieldPath, mark: pair.key.mark))
            }
        }
        return out.sorted { ($0.mark.line, $0.mark.column) < ($1.mark.line, $1.mark.column) }
    }

    /// A `DecodingError` thrown by a type's own `init(from:)`, located in the tree.
    func translate(_ error: DecodingError) -> YAMLError {
        let (path, message): ([any CodingKey], String)
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            (path, message) = (c.codingPath, c.debugDescription)
        case .keyNotFound(let key, let c):
            (path, message) = (c.codingPath + [key], "required value")
        @unknown default:
            (path, message) = ([], "\(error)")
        }
        let elements = pathElements(path)
        return YAMLError(.decoding, message, mark: root.locate(elements).mark, path: elements.fieldPath)
    }
}

/// A key of a free-form map (labels, resource limits, ConfigMap data): written `[key]` in field
/// paths. Decoded `Dictionary` values get it automatically; types walking a map by hand use it
/// in the coding paths of the errors they throw.
public struct YAMLMapKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) { stringValue = string }
    init(index: Int) { stringValue = String(index); intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(index: intValue) }
}

struct NodeDecoder: Decoder {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    let context: DecodingContext
    let userInfo: [CodingUserInfoKey: Any]
    /// The mark of the key this node is the value of (nil for list items and the root).
    let keyMark: YAMLMark?

    init(node: YAMLNode, codingPath: [any CodingKey], context: DecodingContext, userInfo: [CodingUserInfoKey: Any],
         keyMark: YAMLMark? = nil) {
        self.node = node
        self.codingPath = codingPath
        self.context = context
        self.userInfo = userInfo
        self.keyMark = keyMark
    }

    /// Where to point for this node, as `YAMLNode.locate` does: a collection under a key is shown
    /// by its key, a scalar by itself.
    var mark: YAMLMark {
        node.scalarText == nil ? keyMark ?? node.mark : node.mark
    }

    func error(_ message: String, at mark: YAMLMark? = nil) -> YAMLError {
        YAMLError(.decoding, message, mark: mark ?? self.mark, path: pathElements(codingPath).fieldPath)
    }

    func mismatch(_ expected: String) -> YAMLError {
        if let text = node.scalarText, !node.isNull {
            return error("invalid value \"\(text)\": expected \(expected)")
        }
        return error("expected \(expected), got \(node.typeName)")
    }

    func child(_ node: YAMLNode, _ key: any CodingKey, keyMark: YAMLMark? = nil) -> NodeDecoder {
        NodeDecoder(node: node, codingPath: codingPath + [key], context: context, userInfo: userInfo, keyMark: keyMark)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let pairs = node.mapping else { throw mismatch("a mapping") }
        for pair in pairs where pair.key.scalarText == nil {
            throw error("mapping keys must be scalars", at: pair.key.mark)
        }
        let id = context.register(codingPath, node)
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(decoder: self, pairs: pairs, mappingID: id))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = node.sequence else { throw mismatch("a list") }
        return UnkeyedNodeContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// `asField`: the value of a mapping key or list item, as opposed to the inside of a custom
    /// scalar type (a Quantity may well be written `1000000`).
    func unbox<T: Decodable>(_ type: T.Type, asField: Bool) throws -> T {
        if T.self == String.self, let v = try (asField ? decodeStringField() : decodeString()) as? T { return v }
        if T.self == Bool.self, let v = try decodeBool() as? T { return v }
        if T.self == Double.self, let v = try decodeDouble() as? T { return v }
        if T.self == Float.self, let v = Float(try decodeDouble()) as? T { return v }
        if let intType = T.self as? any FixedWidthInteger.Type, let v = try decodeInteger(intType) as? T { return v }
        return try T(from: self)
    }

    func decodeString() throws -> String {
        guard let text = node.scalarText, !node.isNull else { throw mismatch("a string") }
        return text
    }

    /// A string field: any scalar is accepted as its text, but a plain `8080` or `yes` is noted.
    /// Null is the empty string, as Go's JSON decoding (and so Kubernetes) reads it.
    func decodeStringField() throws -> String {
        if node.isNull { return "" }
        let text = try decodeString()
        if node.tag == nil, case .scalar(_, .plain) = node.kind, node.resolved != .string(text) {
            context.coerced(codingPath, node, text)
        }
        return text
    }

    func decodeBool() throws -> Bool {
        guard case .bool(let b)? = node.resolved else { throw mismatch("a boolean") }
        return b
    }

    func decodeDouble() throws -> Double {
        switch node.resolved {
        case .int(let i)?: return Double(i)
        case .float(let d)?: return d
        default: throw mismatch("a number")
        }
    }

    func decodeInteger<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .int(let i)? = node.resolved else { throw mismatch("an integer") }
        guard let value = I(exactly: i) else {
            throw error("invalid value \(i): out of range for \(I.self)")
        }
        return value
    }
}

extension YAMLDecodeReport: Sendable where T: Sendable {}
