import Glibc
import SwkSupport
import Testing
import TestSupport

/// `pod-security: baseline` on a live node: a privileged pod is reported at its field and never
/// started, `swkubectl apply` refuses it the same way, and a compliant pod beside it runs.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct PodSecurityEndToEndTests {
    static func privileged(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          hostPID: true
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sleep", "1000"]
              securityContext:
                privileged: true

        """
    }

    @Test func aBaselineNodeRefusesPrivilegedPodsAndRunsTheOthers() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.write("root-shell.yaml", Self.privileged("root-shell"))
        try node.write("web.yaml", NodeEndToEndTests.podYAML("web", script: "exec sleep 1000"))
        try node.start(extraArgs: ["--pod-security", "baseline"])

        #expect(try waitUntil(seconds: 30) { try node.status("web") == "Running" }, "\(node.daemonLog)")
        let listed = try node.kubectl(["get", "pods"])
        #expect(listed.stderr.contains(
            "error: \(node.manifests)/root-shell.yaml:6: spec.hostPID: violates PodSecurity \"baseline:latest\": host namespaces (hostPID=true)"),
            "\(listed.stderr)")
        #expect(listed.stderr.contains(
            "spec.containers[0].securityContext.privileged: violates PodSecurity \"baseline:latest\": privileged (container \"main\" must not set securityContext.privileged=true)"),
            "\(listed.stderr)")
        #expect(try node.row("root-shell") == nil, "a violating pod is never started")

        // apply refuses it too (the daemon recorded its level), and writes nothing.
        let source = "\(node.dir)/privileged.yaml"
        try FS.writeAtomic(source, Self.privileged("other"))
        let applied = try node.kubectl(["apply", "-f", source])
        #expect(applied.status == 1 && applied.stderr.contains("violates PodSecurity \"baseline:latest\": host namespaces (hostPID=true)"),
                "\(applied.stderr)")
        #expect(!FS.exists("\(node.manifests)/default_other.yaml"))

        // Fixed in place, the pod starts.
        try node.write("root-shell.yaml", NodeEndToEndTests.podYAML("root-shell", script: "exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { try node.status("root-shell") == "Running" }, "\(node.daemonLog)")
        #expect(try node.status("web") == "Running")
    }
}
