import Testing
@testable import KubeAPI
import SwkYAML

@Suite struct EncodingTests {
    @Test func jsonOmitsEmptyValuesAndSortsKeys() throws {
        let pod = try #require(parse(podYAML(containerExtra: "command: [sleep, \"1\"]")).pods.first)
        let json = String(decoding: try pod.jsonBytes(), as: UTF8.self)
        let node = try YAMLParser().parseSingle(Array(json.utf8))
        #expect(node.mapping?.map { $0.key.scalarText ?? "" } == ["apiVersion", "kind", "metadata", "spec"])
        #expect(node["spec"]?["hostNetwork"] == nil)
        #expect(node["spec"]?["volumes"] == nil)
        #expect(node["spec"]?["restartPolicy"]?.scalarText == "Always")
        #expect(node["spec"]?["containers"]?.sequence?[0]["env"] == nil)
        #expect(node["metadata"]?["uid"]?.scalarText == pod.metadata.uid)
    }

    @Test func yamlOutputReadsBackAsTheSamePod() throws {
        let text = podYAML(
            containerExtra: """
                command: [sh, -c, "echo 'a: b' && true"]
                args: ["123", "true", ""]
                env: [{name: A, value: "yes"}, {name: B, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}]
                ports: [{containerPort: 80, name: http}]
                resources: {limits: {memory: 128Mi, cpu: 0.5}}
                livenessProbe: {httpGet: {path: /, port: http}, periodSeconds: 3}
                securityContext: {capabilities: {drop: [ALL]}, allowPrivilegeEscalation: false}
                volumeMounts: [{name: data, mountPath: /data}]
                """,
            specExtra: "hostNetwork: true\nvolumes: [{name: data, hostPath: {path: /srv}}]\ndnsPolicy: ClusterFirstWithHostNet",
            metaExtra: "labels: {app: web}\nannotations: {note: \"multi\\nline\\n\"}")
        let pod = try #require(parse(text).pods.first)
        let yaml = try pod.yamlText()
        let again = ManifestParser.parse(Array(yaml.utf8), file: "out.yaml")
        #expect(again.diagnostics.isEmpty, "\(again.diagnostics)\n\(yaml)")
        #expect(again.pods.first == pod, "\(yaml)")
        #expect(yaml.contains("- \"123\"\n"))
        #expect(yaml.contains("  - \"true\"\n"))
    }

    @Test func encodingIsDeterministic() throws {
        let pod = try #require(parse(podYAML(metaExtra: "labels: {b: \"2\", a: \"1\", c: \"3\"}")).pods.first)
        let first = try pod.jsonBytes()
        for _ in 0..<5 { #expect(try pod.jsonBytes() == first) }
        let text = String(decoding: first, as: UTF8.self)
        let a = try #require(text.firstRange(of: "\"a\""))
        let c = try #require(text.firstRange(of: "\"c\""))
        #expect(a.lowerBound < c.lowerBound)
    }
}
