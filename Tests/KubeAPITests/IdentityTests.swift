import Testing
@testable import KubeAPI
import SwkYAML

@Suite struct IdentityTests {
    @Test func derivedUIDIsStableAndUUIDShaped() {
        let uid = Pod.derivedUID(namespace: "default", name: "web")
        // A literal: the uid must not change between builds, processes or releases.
        #expect(uid == "15c534f3-5983-8c6d-83e5-6c3cb2cbe454")
        #expect(uid == Pod.derivedUID(namespace: "default", name: "web"))
        let groups = uid.split(separator: "-").map(\.count)
        #expect(groups == [8, 4, 4, 4, 12])
        #expect(uid.split(separator: "-")[2].first == "8")
        #expect("89ab".contains(uid.split(separator: "-")[3].first ?? "x"))
    }

    @Test func derivedUIDDiffersByNamespaceAndName() {
        let uids = Set([("default", "web"), ("other", "web"), ("default", "web2"), ("defaultw", "eb")]
            .map { Pod.derivedUID(namespace: $0.0, name: $0.1) })
        #expect(uids.count == 4)
    }

    private func container(_ extra: String = "") throws -> Container {
        try #require(parse(podYAML(containerExtra: extra)).pods.first?.spec.containers.first)
    }

    @Test func specHashIsStable() throws {
        let c = try container("command: [sleep, \"3600\"]\nenv: [{name: A, value: b}]\nresources: {limits: {memory: 64Mi, cpu: 500m}}")
        #expect(c.specHash == "945d8f2f70dd7d18")
        #expect(c.specHash.count == 16)
        // Key order in the file does not matter: the hash is of the decoded spec.
        let reordered = try container("resources: {limits: {cpu: 500m, memory: 64Mi}}\nenv: [{value: b, name: A}]\ncommand: [sleep, \"3600\"]")
        #expect(reordered.specHash == c.specHash)
    }

    @Test(arguments: [
        "command: [sleep, \"3601\"]", "args: [x]", "env: [{name: A, value: c}]", "workingDir: /tmp",
        "imagePullPolicy: Always", "ports: [{containerPort: 80}]", "resources: {limits: {memory: 65Mi}}",
        "securityContext: {runAsUser: 1}", "livenessProbe: {tcpSocket: {port: 80}}", "lifecycle: {preStop: {sleep: {seconds: 1}}}",
        "volumeMounts: [{name: v, mountPath: /v}]", "readinessProbe: {exec: {command: [true]}, periodSeconds: 11}",
    ])
    func specHashChangesWithAnyField(extra: String) throws {
        let base = try container("command: [sleep, \"3600\"]")
        var text = podYAML(containerExtra: extra.hasPrefix("command") ? extra : "command: [sleep, \"3600\"]\n" + extra)
        if extra.hasPrefix("volumeMounts") { text = text.replacingOccurrences("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {}}]\n") }
        let changed = try #require(parse(text).pods.first?.spec.containers.first, "\(parse(text).diagnostics)")
        #expect(changed.specHash != base.specHash)
    }

    @Test func imageAndNameChangeTheHash() throws {
        var c = try container()
        let original = c.specHash
        c.image = "busybox:1.37"
        #expect(c.specHash != original)
        c.image = "busybox:1.36"
        #expect(c.specHash == original)
        c.name = "other"
        #expect(c.specHash != original)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

@Suite struct SandboxHashTests {
    @Test func podLevelChangesChangeTheSandboxHashContainerChangesDoNot() throws {
        let base = try #require(parse(podYAML()).pods.first)
        let containerEdit = try #require(parse(podYAML(containerExtra: "args: [x]")).pods.first)
        #expect(containerEdit.sandboxHash == base.sandboxHash)
        #expect(containerEdit.spec.containers[0].specHash != base.spec.containers[0].specHash)
        for spec in ["hostNetwork: true", "volumes: [{name: v, emptyDir: {}}]", "dnsPolicy: Default", "hostname: h"] {
            let edited = try #require(parse(podYAML(specExtra: spec)).pods.first)
            #expect(edited.sandboxHash != base.sandboxHash, "\(spec)")
        }
    }
}
