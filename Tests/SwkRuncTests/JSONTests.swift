import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// The executor's `Decodable` over SwkSupport's `JSONValue` (it links no Foundation).
struct JSONTests {
    @Test func duplicateKeysTheLastWinsAndLargeObjectsDecode() throws {
        let few = try JSONValueDecoder.decode([String: Int].self, from: Array(#"{"a":1,"b":2,"a":3}"#.utf8))
        #expect(few == ["a": 3, "b": 2])
        // Past 16 members the keyed container looks keys up through an index.
        let keys = (0..<40).map { "k\($0)" }
        let text = "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + #","k7":2}"#
        let many = try JSONValueDecoder.decode([String: Int].self, from: Array(text.utf8))
        #expect(many.count == 40 && many["k7"] == 2 && many["k39"] == 1)
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
