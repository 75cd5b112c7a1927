import FoundationEssentials
import SwkSupport

// CNI configs and results pass through as SwkSupport's `JSONValue`: plugin-specific fields
// unknown to swkube reach the plugins untouched, numbers as written.

extension JSONValue {
    /// Parses `bytes`; `what` names the document in the error.
    static func parse(_ bytes: [UInt8], _ what: String) throws(SwkError) -> JSONValue {
        do { return try parse(bytes) } catch {
            throw SwkError(.invalidArgument, "\(what) is not valid JSON", cause: error)
        }
    }
}

/// Through Foundation's coders for the sandbox's `network.json` (`SandboxNetwork`): a number is
/// read as an integer when it is one, else as a double; objects come back with sorted keys.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let u = try? c.decode(UInt64.self) { self = .int(u) }
        else if let d = try? c.decode(Double.self) { self = .number("\(d)") }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if let i = Int64(n) { try c.encode(i) }
            else if let u = UInt64(n) { try c.encode(u) }
            else if let d = Double(n), d.isFinite { try c.encode(d) }
            else { throw EncodingError.invalidValue(n, .init(codingPath: c.codingPath, debugDescription: "not a JSON number")) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let m): try c.encode(Dictionary(JSONValue.unique(m), uniquingKeysWith: { $1 }))
        }
    }
}
