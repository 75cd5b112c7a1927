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

    @Test func aConfigMapReferenceIsAClearErrorUntilSupported() {
        var v = EnvVar(name: "X")
        var source = EnvVarSource()
        source.configMapKeyRef = KeySelector(name: "settings", key: "x")
        v.valueFrom = source
        let (pod, c) = Self.pod([v])
        #expect(throws: SwkError.self) { try EnvironmentBuilder(node: Self.node).environment(for: c, in: pod, podIP: "") }
    }
}

