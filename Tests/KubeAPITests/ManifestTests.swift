import Testing
@testable import KubeAPI

@Suite struct ManifestTests {
    @Test func oneBrokenDocumentRejectsOnlyItself() throws {
        let text = podYAML(name: "one") + "\n---\n" + podYAML(name: "two", containerExtra: "ports: [{containerPort: 0}]")
            + "\n---\n" + podYAML(name: "three")
        let parsed = parse(text)
        #expect(parsed.pods.map(\.metadata.name) == ["one", "three"])
        #expect(!parsed.isUnreadable)
        #expect(parsed.documents.map(\.isRejected) == [false, true, false])
        #expect(parsed.errors.map(\.description) == [
            "test.yaml:23:29: spec.containers[0].ports[0].containerPort: invalid value 0: must be between 1 and 65535, inclusive",
        ])
    }

    @Test func syntaxErrorMakesTheWholeFileUnreadable() {
        let parsed = parse(podYAML(name: "one") + "\n---\nkind: Pod\n  bad: [\n")
        #expect(parsed.isUnreadable)
        #expect(parsed.pods.isEmpty)
        #expect(parsed.diagnostics.count == 1)
        #expect(parsed.diagnostics[0].message.hasPrefix("invalid yaml: "))
        #expect(parsed.diagnostics[0].line == 14)
    }

    @Test func emptyFilesAndEmptyDocumentsAreFine() {
        #expect(parse("").diagnostics.isEmpty)
        #expect(parse("---\n---\n# nothing\n").documents.isEmpty)
        #expect(parse("---\n" + podYAML() + "\n---\n").pods.count == 1)
    }

    @Test func kindListItemsAreReadOneByOne() throws {
        let text = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: a}
              spec: {containers: [{name: c, image: busybox}]}
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: settings}
              data: {app.conf: "x=1"}
            - apiVersion: v1
              kind: Pod
              metadata: {name: b}
              spec: {containers: [{name: c}]}
            - apiVersion: v1
              kind: List
              items: []
            """
        let parsed = parse(text)
        #expect(parsed.pods.map(\.metadata.name) == ["a"])
        #expect(parsed.configMaps.map(\.metadata.name) == ["settings"])
        #expect(parsed.errors.map(\.description) == [
            "test.yaml:15:23: items[2].spec.containers[0].image: required value",
            "test.yaml:17:9: items[3].kind: invalid value \"List\": swkube reads Pod, ConfigMap, Secret",
        ])
    }

    @Test func configMapsAndSecretsAreKept() throws {
        let text = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: edge}
            data:
              app.conf: |
                level=debug
            binaryData:
              blob: AAEC
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            type: Opaque
            data:
              password: c2VjcmV0
              user: YWRtaW4=
            stringData:
              user: root
            """
        let parsed = parse(text)
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let cm = try #require(parsed.configMaps.first)
        #expect(cm.metadata.namespace == "edge")
        #expect(cm.data["app.conf"] == "level=debug\n")
        #expect(cm.binaryData["blob"] == [0, 1, 2])
        let secret = try #require(parsed.secrets.first)
        #expect(secret.data["password"] == Array("secret".utf8))
        #expect(secret.data["user"] == Array("root".utf8))
    }

    @Test func badConfigObjectsAreRejected() {
        let parsed = parse("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {key: \"not base64!\"}\n---\n"
            + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad}\ndata: {\"a b\": x}\n")
        #expect(parsed.secrets.isEmpty && parsed.configMaps.isEmpty)
        #expect(parsed.errors.map(\.description) == [
            "test.yaml:4:13: data[key]: invalid value: not valid base64",
            "test.yaml:8:18: metadata.name: invalid value \"Bad\": \(NameRules.dns1123SubdomainMessage)",
            "test.yaml:9:15: data[a b]: invalid key \"a b\": \(NameRules.configKeyMessage)",
        ])
    }

    @Test func unknownAndClusterOnlyFieldsAreWarnings() throws {
        let text = podYAML(containerExtra: "colour: red", specExtra: "nodeSelector: {disk: ssd}\nfoo: 1")
        let parsed = parse(text)
        #expect(parsed.pods.count == 1)
        #expect(parsed.errors.isEmpty)
        #expect(parsed.warnings.map(\.description) == [
            "test.yaml:7:3: spec.nodeSelector: ignored: swkube runs a single node and does not use this field",
            "test.yaml:8:3: spec.foo: unknown field \"foo\"",
            "test.yaml:12:5: spec.containers[0].colour: unknown field \"colour\"",
        ])
    }

    @Test func duplicatePodsInOneFileAreRejected() {
        let parsed = parse(podYAML() + "\n---\n" + podYAML())
        #expect(parsed.pods.count == 1)
        #expect(parsed.errors.map(\.description) == ["test.yaml:16:9: metadata.name: duplicate value \"default/web\": already declared at line 4"])
        // A ConfigMap may share a pod's name; two ConfigMaps may not.
        let cm = "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n"
        let withConfigMaps = parse(podYAML() + cm + cm)
        #expect(withConfigMaps.pods.count == 1 && withConfigMaps.configMaps.count == 1)
        #expect(withConfigMaps.errors.map(\.description) == ["test.yaml:22:9: metadata.name: duplicate value \"default/web\": already declared at line 16"])
        // The same name in another namespace is another pod.
        #expect(parse(podYAML() + "\n---\n" + podYAML(metaExtra: "namespace: other")).pods.count == 2)
    }

    @Test(arguments: [
        ("kind: Deployment\napiVersion: apps/v1\n", "test.yaml:1:7: kind: invalid value \"Deployment\": swkube reads Pod, ConfigMap, Secret, List"),
        ("apiVersion: v1\nmetadata: {name: x}\n", "test.yaml:1:1: kind: required value"),
        ("kind: Pod\nmetadata: {name: x}\n", "test.yaml:1:1: apiVersion: required value"),
        ("- a\n- b\n", "test.yaml:1:1: expected a Kubernetes object (a mapping), got a list"),
        ("just text\n", "test.yaml:1:1: expected a Kubernetes object (a mapping), got a string"),
        ("apiVersion: v1\nkind: Pod\nspec: {containers: []}\n", "test.yaml:1:1: metadata: required value"),
    ])
    func documentLevelErrors(text: String, expected: String) {
        #expect(parse(text).errors.map(\.description) == [expected])
    }

    @Test func jsonManifestsUseTheSameParser() throws {
        let json = """
            {
              "apiVersion": "v1",
              "kind": "Pod",
              "metadata": {"name": "json-pod", "labels": {"app": "x"}},
              "spec": {
                "containers": [{"name": "app", "image": "busybox:1.36", "ports": [{"containerPort": 99999}]}]
              }
            }
            """
        let parsed = ManifestParser.parse(Array(json.utf8), file: "pod.json")
        #expect(parsed.errors.map(\.description) == [
            "pod.json:6:89: spec.containers[0].ports[0].containerPort: invalid value 99999: must be between 1 and 65535, inclusive",
        ])
    }

    @Test func diagnosticDescriptionFormat() {
        let d = ManifestDiagnostic(severity: .error, file: "a.yaml", line: 3, column: 5, field: "spec", message: "required value")
        #expect(d.description == "a.yaml:3:5: spec: required value")
        let whole = ManifestDiagnostic(severity: .error, file: "a.yaml", line: 1, column: 1, field: "", message: "invalid yaml: x")
        #expect(whole.description == "a.yaml:1:1: invalid yaml: x")
    }
}

@Suite struct ClusterPortabilityTests {
    /// `value: 8080` works here but a cluster's API server rejects it: say so, don't fail.
    @Test func unquotedNumbersInStringFieldsAreWarnings() throws {
        let parsed = parse(podYAML(containerExtra: "env: [{name: PORT, value: 8080}]\nargs: [--verbose, yes]", metaExtra: "labels: {version: 2}"))
        let pod = try #require(parsed.pods.first)
        #expect(pod.spec.containers[0].env[0].value == "8080")
        #expect(pod.spec.containers[0].args == ["--verbose", "yes"])
        #expect(parsed.warnings.map(\.description) == [
            "test.yaml:5:21: metadata.labels[version]: an integer 2 where Kubernetes expects a string: quote it (\"2\") or a cluster will reject this manifest",
            "test.yaml:11:31: spec.containers[0].env[0].value: an integer 8080 where Kubernetes expects a string: quote it (\"8080\") or a cluster will reject this manifest",
            "test.yaml:12:23: spec.containers[0].args[1]: a boolean yes where Kubernetes expects a string: quote it (\"yes\") or a cluster will reject this manifest",
        ])
    }

    @Test func numericQuantitiesAreFine() {
        #expect(parse(podYAML(containerExtra: "resources: {limits: {cpu: 1, memory: 1000000}}")).diagnostics.isEmpty)
    }
}
