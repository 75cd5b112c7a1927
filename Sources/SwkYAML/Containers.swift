/// The keyed, unkeyed and single-value containers of `NodeDecoder`.

struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let pairs: [YAMLPair]
    /// Swift's `Dictionary` decodes through its own key type; its keys are map keys, not fields.
    private let isDictionary = String(describing: Key.self).contains("DictionaryCodingKey")

    /// Key → position in `pairs`, so that decoding a large map is linear, not quadratic.
    private let index: [String: Int]

    /// The mapping's id in the decoding context, for recording which keys were read.
    private let mappingID: String

    init(decoder: NodeDecoder, pairs: [YAMLPair], mappingID: String) {
        self.decoder = decoder
        self.pairs = pairs
        self.mappingID = mappingID
        var index: [String: Int] = [:]
        for (i, pair) in pairs.enumerated() {
            if let key = pair.key.scalarText, index[key] == nil { index[key] = i }
        }
        self.index = index
    }

    private func pair(_ key: Key) -> YAMLPair? {
        index[key.stringValue].map { pairs[$0] }
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        pairs.compactMap { $0.key.scalarText.flatMap(Key.init(stringValue:)) }
    }

    func contains(_ key: Key) -> Bool {
        index[key.stringValue] != nil
    }

    private func value(_ key: Key) throws -> NodeDecoder {
        decoder.context.use(mappingID, key.stringValue)
        guard let pair = pair(key) else {
            throw YAMLError(.decoding, "required value", mark: decoder.mark,
                            path: pathElements(codingPath + [key]).fieldPath)
        }
        return decoder.child(pair.value, isDictionary ? YAMLMapKey(key.stringValue) : key, keyMark: pair.key.mark)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.context.use(mappingID, key.stringValue)
        guard let pair = pair(key) else { return true }
        return pair.value.isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try value(key).unbox(type, asField: true)
    }

    /// Absent and null both mean "not set", as in Kubernetes' JSON.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard try !decodeNil(forKey: key) else { return nil }
        return try value(key).unbox(type, asField: true)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key).decodeBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(key).decodeStringField() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key).decodeDouble() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try value(key).decodeDouble()) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key).decodeInteger(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key).decodeInteger(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key).decodeInteger(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key).decodeInteger(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key).decodeInteger(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key).decodeInteger(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key).decodeInteger(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key).decodeInteger(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key).decodeInteger(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key).decodeInteger(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try value(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try value(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder { try value(key) }
}

struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: [YAMLNode]
    var currentIndex = 0

    init(decoder: NodeDecoder, items: [YAMLNode]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw YAMLError(.decoding, "unexpected end of list", mark: decoder.mark,
                            path: pathElements(codingPath).fieldPath)
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], AnyCodingKey(index: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().unbox(type, asField: true) }
    mutating func decode(_ type: String.Type) throws -> String { try next().decodeStringField() }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

extension NodeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { node.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float { Float(try decodeDouble()) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(type, asField: false) }
}

extension Decoder {
    /// The YAML node being decoded and its path, for types that need the raw scalar or its mark
    /// (nil when the decoder is not a `YAMLDecoder`).
    public var yamlNode: YAMLNode? { (self as? NodeDecoder)?.node }
}
