import Testing
@testable import SwkYAML

private func parse(_ text: String) throws(YAMLError) -> [YAMLNode] {
    try YAMLParser().parse(Array(text.utf8))
}

private func single(_ text: String) throws(YAMLError) -> YAMLNode {
    try YAMLParser().parseSingle(Array(text.utf8))
}

@Suite struct ScalarResolutionTests {
    @Test(arguments: [
        ("true", YAMLValue.bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("yes", .bool(true)),
        ("on", .bool(true)), ("y", .bool(true)), ("false", .bool(false)), ("No", .bool(false)), ("off", .bool(false)),
        ("0", .int(0)), ("42", .int(42)), ("-17", .int(-17)), ("+3", .int(3)), ("1_000", .int(1000)),
        ("0x1F", .int(31)), ("0o17", .int(15)), ("0644", .int(420)), ("0b101", .int(5)),
        ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("1.5", .float(1.5)), (".5", .float(0.5)), ("1e3", .float(1000)), ("-2.5E-1", .float(-0.25)),
        (".inf", .float(.infinity)), ("-.Inf", .float(-.infinity)),
        ("null", .null), ("~", .null), ("", .null), ("NULL", .null),
        ("hello", .string("hello")), ("1.2.3", .string("1.2.3")), ("0x", .string("0x")), ("08", .float(8)),
        ("1e", .string("1e")), ("e3", .string("e3")), ("nully", .string("nully")), ("yess", .string("yess")),
        ("128Mi", .string("128Mi")), ("500m", .string("500m")), ("-", .string("-")),
    ])
    func plainScalars(text: String, expected: YAMLValue) {
        #expect(YAMLScalarResolver.resolve(text, style: .plain, tag: nil) == expected)
    }

    @Test func nanResolvesToNaN() {
        guard case .float(let d) = YAMLScalarResolver.resolve(".nan", style: .plain, tag: nil) else {
            Issue.record("not a float"); return
        }
        #expect(d.isNaN)
    }

    @Test func quotedAndTaggedScalars() throws {
        let node = try single("""
            a: "123"
            b: 'true'
            c: !!str 42
            d: !!int "42"
            e: |
              multi
            f: ~
            g: 123
            """)
        #expect(node["a"]?.resolved == .string("123"))
        #expect(node["a"]?.kind == .scalar("123", .doubleQuoted))
        #expect(node["b"]?.resolved == .string("true"))
        #expect(node["c"]?.resolved == .string("42"))
        #expect(node["d"]?.resolved == .int(42))
        #expect(node["e"]?.resolved == .string("multi\n"))
        #expect(node["f"]?.resolved == .null)
        #expect(node["g"]?.resolved == .int(123))
    }
}

@Suite struct ParserTests {
    @Test func marksOfNodesAndKeys() throws {
        let node = try single("""
            apiVersion: v1
            spec:
              containers:
              - name: web
                image: nginx
            """)
        #expect(node.mark == YAMLMark(line: 1, column: 1))
        let containers = try #require(node["spec"]?["containers"]?.sequence)
        #expect(containers[0].mark == YAMLMark(line: 4, column: 5))
        let image = try #require(containers[0].pair(forKey: "image"))
        #expect(image.key.mark == YAMLMark(line: 5, column: 5))
        #expect(image.value.mark == YAMLMark(line: 5, column: 12))
        #expect(node.locate([.field("spec"), .field("containers"), .index(0), .field("image")]).mark == YAMLMark(line: 5, column: 12))
        // A missing field points at the nearest existing ancestor.
        #expect(node.locate([.field("spec"), .field("containers"), .index(0), .field("ports")]).mark == YAMLMark(line: 4, column: 5))
    }

    @Test func multiDocumentStreams() throws {
        let docs = try parse("a: 1\n---\nb: 2\n---\n---\nc: 3\n")
        #expect(docs.count == 4)
        #expect(docs[0]["a"]?.resolved == .int(1))
        #expect(docs[1]["b"]?.resolved == .int(2))
        #expect(docs[2].isNull)
        #expect(docs[3]["c"]?.mark == YAMLMark(line: 6, column: 4))
        #expect(try parse("").isEmpty)
        #expect(try parse("# only a comment\n").isEmpty)
    }

    @Test func anchorsAliasesAndMerge() throws {
        let node = try single("""
            base: &b
              image: busybox
              command: [sleep, "1"]
            one: *b
            two:
              <<: *b
              image: alpine
            """)
        #expect(node["one"]?["image"]?.scalarText == "busybox")
        #expect(node["one"]?.mark == YAMLMark(line: 4, column: 6))
        #expect(node["two"]?["image"]?.scalarText == "alpine")
        #expect(node["two"]?["command"]?.sequence?.count == 2)
        #expect(node["two"]?.mapping?.count == 2)
    }

    @Test func jsonIsYAML() throws {
        let node = try single(#"{"kind": "Pod", "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}, "x": null, "t": true}"#)
        #expect(node["kind"]?.resolved == .string("Pod"))
        #expect(node["spec"]?["containers"]?.sequence?[0]["ports"]?.sequence?[0]["containerPort"]?.resolved == .int(80))
        #expect(node["x"]?.isNull == true)
        #expect(node["t"]?.resolved == .bool(true))
    }

    @Test(arguments: [
        ("a: 1\nb: [1, 2\n", 3, "did not find expected ',' or ']'"),
        ("a: 1\n  b: 2\n", 2, "mapping values are not allowed in this context"),
        ("a: \"unterminated\n", 2, "found unexpected end of stream"),
        ("key: value\n- item\n", 2, "did not find expected key"),
        ("\t a: 1\n", 1, "found character that cannot start any token"),
    ])
    func syntaxErrorsCarryLibyamlTextAndLine(text: String, line: Int, problem: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            guard let error = error as? YAMLError else { return false }
            return error.kind == .syntax && error.mark.line == line && error.message.contains(problem)
        }
    }

    @Test func invalidUTF8IsASyntaxErrorAtItsByte() {
        do {
            _ = try YAMLParser().parse(Array("a: 1\nb: ".utf8) + [0xFF, 0x0A])
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.message == "invalid leading UTF-8 octet at byte 8")
            #expect(error.mark == YAMLMark(line: 2, column: 4))
        }
    }

    @Test func duplicateKeysNameBothLines() {
        do {
            _ = try parse("metadata:\n  name: a\n  labels: {}\n  name: b\n")
            Issue.record("duplicate key accepted")
        } catch {
            #expect(error.kind == .structure)
            #expect(error.mark == YAMLMark(line: 4, column: 3))
            #expect(error.message == "duplicate key \"name\" (first defined at line 2, column 3)")
        }
    }

    @Test func unknownAnchorIsAnError() {
        #expect(throws: YAMLError.self) { _ = try parse("a: *nope\n") }
        // An alias inside its own anchor cannot be resolved (no cycles).
        #expect(throws: YAMLError.self) { _ = try parse("a: &x [1, *x]\n") }
    }

    @Test func aliasBombStopsAtTheNodeCap() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        do {
            _ = try parse(text)
            Issue.record("billion laughs accepted")
        } catch {
            #expect(error.message.contains("after expanding aliases"))
        }
    }

    @Test func depthAndSizeLimits() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect { _ = try parse(deep) } throws: { ($0 as? YAMLError)?.message.contains("nesting deeper than") == true }
        var limits = YAMLParser.Limits()
        limits.maxBytes = 10
        #expect(throws: YAMLError.self) { _ = try YAMLParser(limits: limits).parse(Array("a: 1234567890\n".utf8)) }
    }

    @Test func parseSingleRejectsSeveralDocuments() {
        #expect(throws: YAMLError.self) { _ = try single("a: 1\n---\nb: 2\n") }
    }
}
