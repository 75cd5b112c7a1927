import Testing
@testable import KubeAPI
import SwkYAML

/// SplitMix64: a seeded generator so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Hostile and damaged input never crashes the parser; it always yields a result whose
/// diagnostics are positioned inside the input.
@Suite struct FuzzTests {
    static let seed = podYAML(
        containerExtra: """
            command: [sh, -c, "sleep 1"]
            env: [{name: A, value: "1"}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
            ports: [{containerPort: 80, name: http}]
            resources: {limits: {memory: 64Mi, cpu: 500m}}
            livenessProbe: {httpGet: {path: /, port: http}}
            volumeMounts: [{name: v, mountPath: /v}]
            """,
        specExtra: "volumes: [{name: v, emptyDir: {}}]\nrestartPolicy: OnFailure",
        metaExtra: "labels: {app: web}") + "\n---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: v}}]\n"

    private func check(_ bytes: [UInt8]) {
        let parsed = ManifestParser.parse(bytes, file: "fuzz.yaml")
        let lines = bytes.filter { $0 == 0x0A }.count + 1
        for d in parsed.diagnostics {
            #expect(d.line >= 1 && d.line <= lines + 1 && d.column >= 1, "\(d)")
            #expect(!d.message.isEmpty)
        }
        if parsed.isUnreadable { #expect(parsed.pods.isEmpty && parsed.diagnostics.count == 1) }
        for pod in parsed.pods {
            #expect(pod.validate().isEmpty)
            // Whatever survives must print (`-o yaml`) and read back as itself.
            let yaml = (try? pod.yamlText()) ?? ""
            #expect(ManifestParser.parse(Array(yaml.utf8), file: "again.yaml").pods.first == pod, "\(yaml)")
        }
    }

    @Test func seedIsValid() {
        let parsed = ManifestParser.parse(Array(Self.seed.utf8), file: "seed.yaml")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        #expect(parsed.pods.count == 1 && parsed.configMaps.count == 1)
    }

    @Test func everyTruncation() {
        let bytes = Array(Self.seed.utf8)
        for n in 0...bytes.count { check(Array(bytes.prefix(n))) }
    }

    @Test func randomMutations() {
        var rng = SeededGenerator(state: 0x5EED)
        let bytes = Array(Self.seed.utf8)
        let alphabet = Array("{}[]:,-#&*!|>'\"%@` \n\t0123456789abcxyz~?.\\<<".utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<3000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<mutated.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: mutated[i] = alphabet.randomElement(using: &rng) ?? 0
                case 1: mutated.remove(at: i)
                default: mutated.insert(alphabet.randomElement(using: &rng) ?? 0, at: i)
                }
                if mutated.isEmpty { break }
            }
            check(mutated)
        }
    }

    @Test func randomBytes() {
        var rng = SeededGenerator(state: 42)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...256, using: &rng)
            check((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    @Test func pathologicalStructures() {
        check(Array((String(repeating: "- ", count: 2000) + "x\n").utf8))
        check(Array((String(repeating: "{a: ", count: 3000) + String(repeating: "}", count: 3000)).utf8))
        check(Array(String(repeating: "---\n", count: 5000).utf8))
        var bomb = "a: &a [x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i == 1 ? "" : String(i - 1))", count: 8).joined(separator: ", ") + "]\n" }
        check(Array(bomb.utf8))
        check(Array("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: b, resources: {limits: {memory: 99999999999999999999Ei}}}]}\n".utf8))
    }
}
