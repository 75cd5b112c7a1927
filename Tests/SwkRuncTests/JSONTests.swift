import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// The executor's own JSON reader (it links no Foundation).
struct JSONTests {
    @Test func parsesValuesAndEscapes() throws {
        let v = try JSONParser.parse(Array(#" {"a": [1, -2.5e3, true, null], "s": "x\"\u00e9\ud83d\ude00\n"} "#.utf8))
        #expect(v == .object(["a": .array([.number("1"), .number("-2.5e3"), .bool(true), .null]),
                              "s": .string("x\"é😀\n")]))
    }

    @Test(arguments: ["{", "[1,]", "{\"a\" 1}", "01x", "\"\u{01}\"", "[1] 2", "tru"])
    func rejectsBrokenDocuments(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        do {
            _ = try JSONParser.parse(Array("{\n  \"a\": tru\n}".utf8))
            Issue.record("should fail")
        } catch {
            #expect(error.line == 2 && error.column == 8, "\(error)")
        }
    }

    @Test func decodesTheSpecTypesWithExactIntegers() throws {
        let json = #"{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1e3}"#
        let r = try JSONValueDecoder.decode(POSIXRlimit.self, from: Array(json.utf8))
        #expect(r == POSIXRlimit(type: "RLIMIT_NOFILE", hard: .max, soft: 1000))
        #expect(throws: DecodingError.self) {
            try JSONValueDecoder.decode(POSIXRlimit.self, from: Array(#"{"type":"x","hard":-1,"soft":0}"#.utf8))
        }
    }

    @Test func missingAndNullFieldsAreReportedByPath() {
        do {
            _ = try Config.decode(Spec.self, bytes: Array(#"{"ociVersion":"1","process":{"cwd":"/"}}"#.utf8), name: "config.json")
            Issue.record("should fail")
        } catch {
            #expect(error.message == "config.json: process.user: required field missing")
        }
    }
}
