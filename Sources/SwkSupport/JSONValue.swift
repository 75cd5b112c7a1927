/// One JSON document as a value tree, Foundation-free so that the static executor can link it
/// (FoundationEssentials alone costs ~3 MiB of resident memory and 0.5 ms of start-up there).
/// Numbers keep their source text, so they pass through and print exactly as written, and each
/// reader converts them to the type it needs exactly. Objects keep their members in document
/// order, duplicates included; a lookup takes the last of a duplicated key, as Go's decoder does.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public static func int<T: BinaryInteger>(_ n: T) -> JSONValue { .number(String(n)) }

    /// An object member by key (the last of duplicates). Setting replaces the value in place and
    /// drops later duplicates, or appends a new member; setting nil removes the key. Setting on a
    /// value that is not an object does nothing.
    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let members) = self else { return nil }
            return members.last { $0.0 == key }?.1
        }
        set {
            guard case .object(var members) = self else { return }
            if let newValue, let i = members.firstIndex(where: { $0.0 == key }) {
                members[i].1 = newValue
                var j = i + 1
                while j < members.count { if members[j].0 == key { members.remove(at: j) } else { j += 1 } }
            } else {
                members.removeAll { $0.0 == key }
                if let newValue { members.append((key, newValue)) }
            }
            self = .object(members)
        }
    }

    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var members: [(String, JSONValue)]? { if case .object(let m) = self { m } else { nil } }
}

// MARK: serializing

extension JSONValue {
    /// Compact JSON text: no whitespace, members in order, one member per key (the last of
    /// duplicates, at the place of the first), numbers as kept.
    public func compactBytes() -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    public func compactText() -> String { String(decoding: compactBytes(), as: UTF8.self) }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += n.utf8
        case .string(let s): out += jsonQuoted(s).utf8
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in JSONValue.unique(members).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += jsonQuoted(k).utf8
                out.append(UInt8(ascii: ":"))
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `members` with one entry per key: the last value, at the first key's place.
    public static func unique(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        guard members.count > 1 else { return members }
        var last: [String: Int] = [:]
        for (i, (k, _)) in members.enumerated() { last[k] = i }
        guard last.count < members.count else { return members }
        var out: [(String, JSONValue)] = []
        var done: Set<String> = []
        for (k, _) in members where done.insert(k).inserted {
            if let i = last[k] { out.append((k, members[i].1)) }
        }
        return out
    }
}
