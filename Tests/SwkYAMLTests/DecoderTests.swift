import Testing
@testable import SwkYAML

private struct Item: Decodable, Equatable {
    var name: String
    var port: Int32?
    var enabled: Bool?
    var ratio: Double?
    var tags: [String]?
    var labels: [String: String]?
    var children: [Item]?
}

private func node(_ text: String) throws -> YAMLNode {
    try YAMLParser().parseSingle(Array(text.utf8))
}

private func decodeError<T: Decodable>(_ type: T.Type, _ text: String) throws -> YAMLError? {
    do {
        _ = try YAMLDecoder().decode(type, from: try node(text))
        return nil
    } catch let error as YAMLError {
        return error
    }
}

@Suite struct DecoderTests {
    @Test func decodesNestedValues() throws {
        let item = try YAMLDecoder().decode(Item.self, from: try node("""
            name: top
            port: 8080
            enabled: yes
            ratio: 0.5
            tags: [a, 1, true]
            labels: {app.kubernetes.io/name: web}
            children:
            - name: kid
              port: ~
            """))
        #expect(item.name == "top")
        #expect(item.port == 8080)
        #expect(item.enabled == true)
        #expect(item.ratio == 0.5)
        #expect(item.tags == ["a", "1", "true"])
        #expect(item.labels == ["app.kubernetes.io/name": "web"])
        #expect(item.children == [Item(name: "kid")])
    }

    @Test func errorsNameFieldPathLineAndColumn() throws {
        let error = try #require(try decodeError(Item.self, """
            name: top
            children:
            - name: a
            - name: b
              port: "80"
            """))
        #expect(error.path == "children[1].port")
        #expect(error.mark == YAMLMark(line: 5, column: 9))
        #expect(error.message == "invalid value \"80\": expected an integer")
    }

    @Test(arguments: [
        ("name: a\nport: 3000000000\n", "port", "invalid value 3000000000: out of range for Int32"),
        ("name: a\nenabled: maybe\n", "enabled", "invalid value \"maybe\": expected a boolean"),
        ("name: a\ntags: {x: 1}\n", "tags", "expected a list, got a mapping"),
        ("name: [a]\n", "name", "expected a string, got a list"),
        ("name: a\nlabels: {a: [b]}\n", "labels[a]", "expected a string, got a list"),
        ("port: 1\n", "name", "required value"),
        ("name: a\nratio: fast\n", "ratio", "invalid value \"fast\": expected a number"),
        ("- a\n", "", "expected a mapping, got a list"),
        ("name: a\nchildren: [{name: b, port: x}]\n", "children[0].port", "invalid value \"x\": expected an integer"),
    ])
    func typeMismatches(text: String, path: String, message: String) throws {
        let error = try #require(try decodeError(Item.self, text))
        #expect(error.path == path)
        #expect(error.message == message)
    }

    @Test func nullIsTheEmptyStringInStringFields() throws {
        let item = try YAMLDecoder().decode(Item.self, from: try node("name: ~\ntags: [a, null]\nlabels: {x: }\n"))
        #expect(item.name == "")
        #expect(item.tags == ["a", ""])
        #expect(item.labels == ["x": ""])
    }

    @Test func missingFieldPointsAtItsObject() throws {
        let error = try #require(try decodeError(Item.self, "children:\n  - port: 1\nname: x\n"))
        #expect(error.path == "children[0].name")
        #expect(error.mark == YAMLMark(line: 2, column: 5))
    }

    @Test func blockCollectionsArePointedAtByTheirKey() throws {
        let mismatch = try #require(try decodeError(Item.self, "name: a\ntags:\n  x: 1\n"))
        #expect(mismatch.mark == YAMLMark(line: 2, column: 1))
        let missing = try #require(try decodeError(Item.self, "name: a\nchildren:\n- port: 1\n"))
        #expect(missing.path == "children[0].name")
        #expect(missing.mark == YAMLMark(line: 3, column: 3))
    }

    @Test func unknownFieldsAreReportedWithTheirKeyMarks() throws {
        let report = try YAMLDecoder().decodeWithReport(Item.self, from: try node("""
            name: top
            colour: red
            children:
            - name: kid
              nickname: k
            labels:
              any: thing
            """))
        #expect(report.value.name == "top")
        #expect(report.unknownFields == [
            YAMLUnknownField(path: "colour", mark: YAMLMark(line: 2, column: 1)),
            YAMLUnknownField(path: "children[0].nickname", mark: YAMLMark(line: 5, column: 3)),
        ])
    }

    @Test func errorsThrownByTypesAreLocated() throws {
        struct Strict: Decodable {
            enum CodingKeys: String, CodingKey { case mode }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                let mode = try c.decode(String.self, forKey: .mode)
                guard mode == "a" else { return }
                throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "invalid value \"\(mode)\"")
            }
        }
        let error = try #require(try decodeError([Strict].self, "- mode: b\n- mode: a\n"))
        #expect(error.path == "[1].mode")
        #expect(error.mark == YAMLMark(line: 2, column: 9))
        #expect(error.message == "invalid value \"a\"")
    }

    @Test func plainNonStringScalarsReadAsStringsAreNoted() throws {
        struct Wrapper: Decodable { var value: String; var list: [String]; var custom: Custom }
        struct Custom: Decodable {
            var text: String
            init(from decoder: any Decoder) throws { text = try decoder.singleValueContainer().decode(String.self) }
        }
        let report = try YAMLDecoder().decodeWithReport(Wrapper.self, from: try node("""
            value: 8080
            list: [yes, "no", !!str 1, 1.5, text]
            custom: 42
            """))
        #expect(report.value.value == "8080")
        #expect(report.value.list == ["yes", "no", "1", "1.5", "text"])
        #expect(report.value.custom.text == "42")
        #expect(report.coercedStrings == [
            YAMLCoercedString(path: "value", mark: YAMLMark(line: 1, column: 8), text: "8080", yamlType: "an integer"),
            YAMLCoercedString(path: "list[0]", mark: YAMLMark(line: 2, column: 8), text: "yes", yamlType: "a boolean"),
            YAMLCoercedString(path: "list[3]", mark: YAMLMark(line: 2, column: 28), text: "1.5", yamlType: "a number"),
        ])
    }
}
