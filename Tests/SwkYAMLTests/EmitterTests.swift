import Testing
@testable import SwkYAML

@Suite struct EmitterTests {
    @Test(arguments: ["true", "123", "1.5", "null", "~", "", "a: b", "- x", "#x", "x #y", " lead", "trail ", "yes",
                      "0644", "*ref", "&a", "!tag", "{}", "[1]", "%p", "@x", "`x", "'q'", "\"dq\"", "tab\tx", "end:",
                      "ctl\u{1}x", "ünïcode", "plain text", "128Mi", "http://x/y", "<<", "-c", "--flag=x", "-", "---", "...", "?x", ":x", "- x", "a\nb", " a\nb", "a\n\n", "x\r\ny"])
    func stringsRoundTrip(text: String) throws {
        let yaml = YAMLEmitter.emit(YAMLNode(.mapping([
            YAMLPair(key: .scalar("k"), value: .scalar(text, style: .doubleQuoted)),
            YAMLPair(key: .scalar(text, style: .doubleQuoted), value: .scalar("as key")),
            YAMLPair(key: .scalar("list"), value: YAMLNode(.sequence([.scalar(text, style: .doubleQuoted)]))),
        ])))
        let back = try YAMLParser().parseSingle(Array(yaml.utf8))
        #expect(back["k"]?.resolved == .string(text), "emitted: \(yaml)")
        #expect(back[text]?.resolved == .string("as key"), "emitted: \(yaml)")
        #expect(back["list"]?.sequence?.first?.resolved == .string(text), "emitted: \(yaml)")
    }

    @Test func plainWhenSafe() {
        #expect(YAMLEmitter.quoted("nginx:1.25") == "nginx:1.25")
        #expect(YAMLEmitter.quoted("true") == "\"true\"")
        #expect(YAMLEmitter.quoted("123") == "\"123\"")
        #expect(YAMLEmitter.quoted("a: b") == "\"a: b\"")
        #expect(YAMLEmitter.quoted("") == "\"\"")
        #expect(YAMLEmitter.quoted("-c") == "-c")
        #expect(YAMLEmitter.quoted("--") == "--")
        #expect(YAMLEmitter.quoted("---") == "\"---\"")
    }

    @Test func blockLayoutLikeKubectl() throws {
        let json = #"{"apiVersion":"v1","metadata":{"name":"web","labels":{}},"spec":{"containers":[{"name":"a","args":["sleep","10"],"env":[{"name":"X","value":"true"}]}],"hostNetwork":true,"items":[[1,2]]},"note":"line1\nline2\n"}"#
        let node = try YAMLParser().parseSingle(Array(json.utf8))
        let yaml = YAMLEmitter.emit(node)
        #expect(yaml == """
            apiVersion: v1
            metadata:
              name: web
              labels: {}
            spec:
              containers:
              - name: a
                args:
                - sleep
                - "10"
                env:
                - name: X
                  value: "true"
              hostNetwork: true
              items:
              - - 1
                - 2
            note: |
              line1
              line2

            """)
        let back = try YAMLParser().parseSingle(Array(yaml.utf8))
        #expect(back["spec"]?["containers"]?.sequence?[0]["args"]?.sequence?[1].resolved == .string("10"))
        #expect(back["note"]?.resolved == .string("line1\nline2\n"))
        #expect(back["spec"]?["items"]?.sequence?[0].sequence?[1].resolved == .int(2))
    }

    @Test func documentsAndScalars() {
        #expect(YAMLEmitter.emit(documents: [.scalar("a"), YAMLNode(.sequence([]))]) == "a\n---\n[]\n")
    }
}
