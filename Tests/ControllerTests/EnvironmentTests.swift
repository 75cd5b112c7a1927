import CRI
import Controller
import KubeAPI
import SwkSupport
import Testing

/// The container environment as kubelet builds it: order, `$(VAR)` expansion, downward API.
struct EnvironmentTests {
    static let node = EnvironmentBuilder.NodeFacts(nodeName: "edge-1", cpuCores: 4, memoryBytes: 8 << 30)

    @Test(arguments: [
        ("plain", "plain"), ("$(A)", "1"), ("x$(A)y$(B)", "x1y2"), ("$$(A)", "$(A)"),
        ("$(MISSING)", "$(MISSING)"), ("$(A", "$(A"), ("cost $5", "cost $5"), ("$", "$"),
    ])
    func expansionFollowsKubernetesRules(text: String, expected: String) {
        #expect(expand(text, ["A": "1", "B": "2"]) == expected)
    }

    static func pod(_ env: [EnvVar], command: [String] = []) -> (Pod, KubeAPI.Container) {
        var c = KubeAPI.Container(name: "app", image: "localhost/swkube-demo:1.0")
        c.env = env
        c.command = command
        c.resources.limits["memory"] = try? Quantity.parse("64Mi")
        var meta = ObjectMeta(name: "web", namespace: "edge")
        meta.uid = "u-1"
        meta.labels = ["app": "web"]
        return (Pod(metadata: meta, spec: PodSpec(containers: [c])), c)
    }

    static func field(_ name: String, _ path: String) -> EnvVar {
        var v = EnvVar(name: name)
        var source = EnvVarSource()
        source.fieldRef = ObjectFieldSelector(fieldPath: path)
        v.valueFrom = source
        return v
    }

    @Test func valuesSeeEarlierVariablesAndTheDownwardAPI() throws {
        var mem = EnvVar(name: "MEM")
        var source = EnvVarSource()
        source.resourceFieldRef = ResourceFieldSelector(resource: "limits.memory")
        mem.valueFrom = source
        var cpu = EnvVar(name: "CPU")
        var cpuSource = EnvVarSource()
        cpuSource.resourceFieldRef = ResourceFieldSelector(resource: "limits.cpu")
        cpu.valueFrom = cpuSource
        let (pod, c) = Self.pod([
            Self.field("POD", "metadata.name"), Self.field("NS", "metadata.namespace"), Self.field("APP", "metadata.labels['app']"),
            Self.field("NODE", "spec.nodeName"), Self.field("IP", "status.podIP"),
            EnvVar(name: "URL", value: "http://$(POD).$(NS):$(PORT)"), EnvVar(name: "PORT", value: "80"), mem, cpu,
        ])
        let env = try EnvironmentBuilder(node: Self.node).environment(for: c, in: pod, podIP: "10.85.0.7")
        let map = Dictionary(env.map { ($0.key, $0.value) }) { _, b in b }
        #expect(map["POD"] == "web" && map["NS"] == "edge" && map["APP"] == "web" && map["NODE"] == "edge-1")
        #expect(map["IP"] == "10.85.0.7")
        #expect(map["URL"] == "http://web.edge:$(PORT)", "only variables defined before are expanded")
        #expect(map["MEM"] == String(64 << 20))
        #expect(map["CPU"] == "4", "no cpu limit reads as the node's cores")
        #expect(env.map(\.key) == ["POD", "NS", "APP", "NODE", "IP", "URL", "PORT", "MEM", "CPU"])
    }

    @Test func commandAndArgsExpandTheEnvironment() throws {
        let (pod, c) = Self.pod([EnvVar(name: "WHO", value: "world")], command: ["echo", "hello $(WHO)", "$$(WHO)"])
        let builder = RuntimeConfigBuilder(podLogDir: "/var/log/pods", node: Self.node)
        let config = try builder.containerConfig(for: c, in: pod, restartCount: 0)
        #expect(config.command == ["echo", "hello world", "$(WHO)"])
    }

    static var objects: PodConfigObjects {
        var cm = ConfigMap(metadata: ObjectMeta(name: "settings", namespace: "edge"))
        cm.data = ["MODE": "fast", "LEVEL": "3", "bad key": "x", "dotted.name-ok": "z", "1st": "y"]
        cm.binaryData = ["BLOB": [1, 2]]
        var secret = Secret(metadata: ObjectMeta(name: "creds", namespace: "edge"))
        secret.data = ["TOKEN": Array("s3cret".utf8), "MODE": Array("secret-mode".utf8)]
        return PodConfigObjects(configMaps: ["settings": cm], secrets: ["creds": secret])
    }

    static func key(_ name: String, configMap: String? = nil, secret: String? = nil, key: String,
                    optional: Bool? = nil) -> EnvVar {
        var v = EnvVar(name: name)
        var source = EnvVarSource()
        var selector = KeySelector(name: configMap ?? secret ?? "", key: key)
        selector.optional = optional
        if configMap != nil { source.configMapKeyRef = selector } else { source.secretKeyRef = selector }
        v.valueFrom = source
        return v
    }

    static func from(configMap: String? = nil, secret: String? = nil, prefix: String? = nil, optional: Bool? = nil) -> EnvFromSource {
        var source = EnvFromSource()
        source.prefix = prefix
        var ref = ObjectReference(name: configMap ?? secret ?? "")
        ref.optional = optional
        if configMap != nil { source.configMapRef = ref } else { source.secretRef = ref }
        return source
    }

    @Test func envFromComesFirstThenEnvOverridesAndExpandsIt() throws {
        var (pod, c) = Self.pod([
            Self.key("PASSWORD", secret: "creds", key: "TOKEN"),
            EnvVar(name: "MODE", value: "$(MODE)-override"),
            Self.key("LEVEL_COPY", configMap: "settings", key: "LEVEL"),
        ])
        c.envFrom = [Self.from(configMap: "settings"), Self.from(secret: "creds", prefix: "S_")]
        pod.spec.containers = [c]
        let env = try EnvironmentBuilder(node: Self.node).environment(for: c, in: pod, podIP: "", objects: Self.objects)
        #expect(env.map(\.key) == ["LEVEL", "dotted.name-ok", "S_MODE", "S_TOKEN", "PASSWORD", "MODE", "LEVEL_COPY"],
                "envFrom keys sorted per object, invalid names and binaryData skipped, env after; a redefinition moves last")
        let map = Dictionary(env.map { ($0.key, $0.value) }) { _, b in b }
        #expect(map["MODE"] == "fast-override", "env sees the envFrom values")
        #expect(map["PASSWORD"] == "s3cret" && map["S_TOKEN"] == "s3cret" && map["S_MODE"] == "secret-mode")
        #expect(map["LEVEL_COPY"] == "3")
        let warnings = EnvironmentBuilder(node: Self.node).skippedKeyWarnings(for: c, in: pod, objects: Self.objects)
        #expect(warnings == ["Keys [1st, bad key] from the EnvFrom configMap edge/settings were skipped since they are considered invalid environment variable names."])
    }

    @Test func aPrefixCanMakeAnInvalidKeyValid() throws {
        var (pod, c) = Self.pod([])
        c.envFrom = [Self.from(configMap: "settings", prefix: "CFG_")]
        pod.spec.containers = [c]
        let env = try EnvironmentBuilder(node: Self.node).environment(for: c, in: pod, podIP: "", objects: Self.objects)
        #expect(env.map(\.key) == ["CFG_1st", "CFG_LEVEL", "CFG_MODE", "CFG_dotted.name-ok"])
        #expect(EnvironmentBuilder(node: Self.node).skippedKeyWarnings(for: c, in: pod, objects: Self.objects)
                == ["Keys [CFG_bad key] from the EnvFrom configMap edge/settings were skipped since they are considered invalid environment variable names."])
    }

    @Test(arguments: [
        ("configMapKeyRef to a missing object", [Self.key("X", configMap: "nope", key: "a")], [], "configmap \"nope\" not found"),
        ("secretKeyRef to a missing object", [Self.key("X", secret: "nope", key: "a")], [], "secret \"nope\" not found"),
        ("a missing ConfigMap key", [Self.key("X", configMap: "settings", key: "GONE")], [],
         "couldn't find key GONE in ConfigMap edge/settings"),
        ("a missing Secret key", [Self.key("X", secret: "creds", key: "GONE")], [], "couldn't find key GONE in Secret edge/creds"),
        ("binaryData is not a ConfigMap key for env", [Self.key("X", configMap: "settings", key: "BLOB")], [],
         "couldn't find key BLOB in ConfigMap edge/settings"),
        ("envFrom a missing ConfigMap", [], [Self.from(configMap: "nope")], "configmap \"nope\" not found"),
        ("envFrom a missing Secret", [], [Self.from(secret: "nope")], "secret \"nope\" not found"),
    ] as [(String, [EnvVar], [EnvFromSource], String)])
    func missingObjectsAndKeysAreConfigErrorsInKubeletsWords(name: String, env: [EnvVar], envFrom: [EnvFromSource], message: String) {
        var (pod, c) = Self.pod(env)
        c.envFrom = envFrom
        pod.spec.containers = [c]
        let error = #expect(throws: SwkError.self, "\(name)") {
            try EnvironmentBuilder(node: Self.node).environment(for: c, in: pod, podIP: "", objects: Self.objects)
        }
        #expect(error?.message == message, "\(name)")
    }

    @Test func optionalReferencesToMissingObjectsOrKeysLeaveTheVariableUnset() throws {
        var (pod, c) = Self.pod([
            Self.key("A", configMap: "nope", key: "a", optional: true),
            Self.key("B", configMap: "settings", key: "GONE", optional: true),
            Self.key("C", secret: "nope", key: "a", optional: true),
            Self.key("D", secret: "creds", key: "GONE", optional: true),
            EnvVar(name: "E", value: "kept"),
        ])
        c.envFrom = [Self.from(configMap: "nope", optional: true), Self.from(secret: "nope", optional: true)]
        pod.spec.containers = [c]
        let env = try EnvironmentBuilder(node: Self.node).environment(for: c, in: pod, podIP: "", objects: Self.objects)
        #expect(env == [KeyValue(key: "E", value: "kept")])
    }
}
