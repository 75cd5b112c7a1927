import SwkSupport

/// `Decodable` over SwkSupport's Foundation-free `JSONValue`: the three container kinds, throwing
/// the standard library's `DecodingError` with the coding path, so errors name the field
/// (`process.args[0]`). Only the executor decodes this way; the rest of swkube has Foundation.
struct JSONValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try T(from: JSONValueDecoder(value: try JSONValue.parse(bytes), codingPath: []))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: Int].self) }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([Int].self) }
        return Unkeyed(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    private func mismatch(_ type: Any.Type) -> DecodingError {
        if value == .null {
            return .valueNotFound(type, .init(codingPath: codingPath, debugDescription: "found null"))
        }
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "found \(kind)"))
    }

    private var kind: String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(type) }
        return b
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch(type) }
        return s
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let n) = value, let d = Double(n) else { throw mismatch(type) }
        return d
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let n) = value else { throw mismatch(type) }
        if let v = T(n) { return v }
        // 1e3 or 10.0 are integers too, when exact.
        if let d = Double(n), d.rounded() == d, let v = T(exactly: d) { return v }
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(n) does not fit \(T.self)"))
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(String, JSONValue)]
    let codingPath: [any CodingKey]
    /// Key to position of its last member, for large objects only: a map (annotations, env)
    /// decodes every key, and a scan per key would make that quadratic.
    private let index: [String: Int]?

    init(members: [(String, JSONValue)], codingPath: [any CodingKey]) {
        self.members = members
        self.codingPath = codingPath
        if members.count > 16 {
            var index: [String: Int] = [:]
            for (i, (k, _)) in members.enumerated() { index[k] = i }
            self.index = index
        } else {
            index = nil
        }
    }

    private func member(_ key: String) -> JSONValue? {
        if let index { return index[key].map { members[$0].1 } }
        return members.last { $0.0 == key }?.1
    }

    var allKeys: [Key] { JSONValue.unique(members).compactMap { Key(stringValue: $0.0) } }
    func contains(_ key: Key) -> Bool { member(key.stringValue) != nil }

    private func child(_ key: Key) throws -> JSONValueDecoder {
        guard let v = member(key.stringValue) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return JSONValueDecoder(value: v, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { (member(key.stringValue) ?? .null) == .null }
    func decode(_ t: Bool.Type, forKey k: Key) throws -> Bool { try child(k).decode(t) }
    func decode(_ t: String.Type, forKey k: Key) throws -> String { try child(k).decode(t) }
    func decode(_ t: Double.Type, forKey k: Key) throws -> Double { try child(k).decode(t) }
    func decode(_ t: Float.Type, forKey k: Key) throws -> Float { try child(k).decode(t) }
    func decode(_ t: Int.Type, forKey k: Key) throws -> Int { try child(k).decode(t) }
    func decode(_ t: Int8.Type, forKey k: Key) throws -> Int8 { try child(k).decode(t) }
    func decode(_ t: Int16.Type, forKey k: Key) throws -> Int16 { try child(k).decode(t) }
    func decode(_ t: Int32.Type, forKey k: Key) throws -> Int32 { try child(k).decode(t) }
    func decode(_ t: Int64.Type, forKey k: Key) throws -> Int64 { try child(k).decode(t) }
    func decode(_ t: UInt.Type, forKey k: Key) throws -> UInt { try child(k).decode(t) }
    func decode(_ t: UInt8.Type, forKey k: Key) throws -> UInt8 { try child(k).decode(t) }
    func decode(_ t: UInt16.Type, forKey k: Key) throws -> UInt16 { try child(k).decode(t) }
    func decode(_ t: UInt32.Type, forKey k: Key) throws -> UInt32 { try child(k).decode(t) }
    func decode(_ t: UInt64.Type, forKey k: Key) throws -> UInt64 { try child(k).decode(t) }
    func decode<T: Decodable>(_ t: T.Type, forKey k: Key) throws -> T { try T(from: child(k)) }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { JSONValueDecoder(value: .object(members), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> JSONValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath + [IndexKey(currentIndex)],
                                                              debugDescription: "array ended"))
        }
        defer { currentIndex += 1 }
        return JSONValueDecoder(value: items[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ t: Bool.Type) throws -> Bool { try next().decode(t) }
    mutating func decode(_ t: String.Type) throws -> String { try next().decode(t) }
    mutating func decode(_ t: Double.Type) throws -> Double { try next().decode(t) }
    mutating func decode(_ t: Float.Type) throws -> Float { try next().decode(t) }
    mutating func decode(_ t: Int.Type) throws -> Int { try next().decode(t) }
    mutating func decode(_ t: Int8.Type) throws -> Int8 { try next().decode(t) }
    mutating func decode(_ t: Int16.Type) throws -> Int16 { try next().decode(t) }
    mutating func decode(_ t: Int32.Type) throws -> Int32 { try next().decode(t) }
    mutating func decode(_ t: Int64.Type) throws -> Int64 { try next().decode(t) }
    mutating func decode(_ t: UInt.Type) throws -> UInt { try next().decode(t) }
    mutating func decode(_ t: UInt8.Type) throws -> UInt8 { try next().decode(t) }
    mutating func decode(_ t: UInt16.Type) throws -> UInt16 { try next().decode(t) }
    mutating func decode(_ t: UInt32.Type) throws -> UInt32 { try next().decode(t) }
    mutating func decode(_ t: UInt64.Type) throws -> UInt64 { try next().decode(t) }
    mutating func decode<T: Decodable>(_ t: T.Type) throws -> T { try T(from: next()) }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}
