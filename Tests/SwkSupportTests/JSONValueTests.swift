@testable import SwkSupport
import Testing

/// The one JSON value type: the executor's config reader, CNI pass-through and kubectl's printing.
struct JSONValueTests {
    @Test func parsesValuesAndEscapes() throws {
        let v = try JSONValue.parse(#" {"a": [1, -2.5e3, true, null], "s": "x\"\u00e9\ud83d\ude00\/\n"} "#)
        #expect(v == .object([("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .null])),
                              ("s", .string("x\"é😀/\n"))]))
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONValue.parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONValue.parse(#""\ude00""#) == .string("\u{FFFD}"))
    }

    @Test func numbersKeepTheirText() throws {
        let text = #"[0,-0,1.50,1E+2,2.5e-3,18446744073709551616,123456789012345678901234567890.000]"#
        let v = try JSONValue.parse(text)
        #expect(v[1] == .number("-0") && v[2] == .number("1.50") && v[3] == .number("1E+2"))
        #expect(v.compactText() == text)
    }

    @Test(arguments: ["", " ", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "nul", "\"abc", "\"\u{01}\"",
                      "\"\\x\"", "\"\\u12G4\"", "01", "1.", ".5", "-", "+1", "1e", "-.5", "0x1F", "[1] 2", "NaN"])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
    }

    @Test func errorsCarryLineAndColumn() {
        #expect(throws: JSONSyntaxError(line: 2, column: 8, reason: "unexpected character")) {
            try JSONValue.parse("{\n  \"a\": tru\n}")
        }
        #expect(throws: JSONSyntaxError(line: 3, column: 1, reason: "unterminated object")) {
            try JSONValue.parse("{\n\"a\": 1\n")
        }
        #expect(throws: JSONSyntaxError(line: 1, column: 5, reason: "unexpected data after the document")) {
            try JSONValue.parse("[1] 2")
        }
    }

    @Test func serializesCompactlyAndRoundTrips() throws {
        let text = #"{ "z": [ 1, {"b": "q\"\\\n\u0001é"}, [] ], "a": {}, "n": null, "t": false }"#
        let v = try JSONValue.parse(text)
        #expect(v.compactText() == #"{"z":[1,{"b":"q\"\\\n\u0001é"},[]],"a":{},"n":null,"t":false}"#)
        #expect(try JSONValue.parse(v.compactBytes()) == v)
    }

    @Test func duplicateKeysTheLastWins() throws {
        var v = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(v["a"] == .number("3"))
        #expect(v.compactText() == #"{"a":3,"b":2}"#)
        v["a"] = .string("x")
        #expect(v == .object([("a", .string("x")), ("b", .number("2"))]))
        v["c"] = .null
        v["b"] = nil
        #expect(v.compactText() == #"{"a":"x","c":null}"#)
    }

    @Test func subscriptsAndAccessors() throws {
        let v = try JSONValue.parse(#"{"l":["s",true],"o":{"k":"v"}}"#)
        #expect(v["l"]?[0]?.string == "s" && v["l"]?[1]?.bool == true && v["l"]?[2] == nil)
        #expect(v["o"]?["k"]?.string == "v" && v["o"]?.members?.count == 1 && v["missing"] == nil)
        #expect(v["l"]?["k"] == nil && v["o"]?[0] == nil && v["l"]?.array?.count == 2)
    }

    @Test func nestingDepthIsBounded() throws {
        let ok = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        #expect(try JSONValue.parse(ok).compactText() == ok)
        // A hostile document far deeper than the stack could recurse: refused at the limit.
        let deep = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONSyntaxError(line: 1, column: JSONValue.maxDepth + 1, reason: "nesting deeper than \(JSONValue.maxDepth)")) {
            try JSONValue.parse(deep)
        }
        let deepObjects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(deepObjects) }
    }
}
