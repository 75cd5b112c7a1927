import FoundationEssentials
import SwkSupport

enum JSONOut {
    static func pretty<T: Encodable>(_ value: T) throws(SwkError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return try encode(value, encoder)
    }

    static func compact<T: Encodable>(_ value: T) throws(SwkError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encode(value, encoder)
    }

    private static func encode<T: Encodable>(_ value: T, _ encoder: JSONEncoder) throws(SwkError) -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw SwkError(.internal, "encode \(T.self) as JSON", cause: error)
        }
    }
}
