import Glibc
import SwkSupport
import Testing
import TestSupport

/// Every manifest in manifests/examples/ on one live node, each checked for the outcome its
/// comment promises.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct ExamplesEndToEndTests {
    @Test func everyExampleReachesItsDocumentedOutcome() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        let examples = "\(NodeHarness.repoRoot)/manifests/examples"
        for name in try FS.list(examples) where name.hasSuffix(".yaml") {
            try node.write(name, try FS.readString("\(examples)/\(name)"))
        }
        func settled(_ pod: String, _ check: ([String]) -> Bool) throws -> Bool {
            try waitUntil(seconds: 60) { try node.row(pod).map(check) ?? false }
        }
        let running = { (row: [String]) in row[2] == "Running" }
        #expect(try settled("hello") { running($0) && $0[1] == "1/1" })
        #expect(try settled("web", running))
        #expect(try settled("init-demo") { running($0) && $0[1] == "1/1" })
        #expect(node.logLines("init-demo", container: "wait-a-moment").contains("prepared"))
        #expect(try waitUntil(seconds: 10) { node.logLines("init-demo", container: "app").contains("app started after its init containers") })
        #expect(try settled("sidecar-demo") { running($0) && $0[1] == "2/2" })
        #expect(try settled("probes-demo") { running($0) && $0[1] == "1/1" }, "\((try? node.kubectl(["describe", "pod", "probes-demo"]).stdout) ?? "")")
        #expect(try settled("hooks-demo", running))
        let hooksID = try #require(try containerID(node, pod: "hooks-demo"))
        let cat = try Spawn.run(["\(NodeHarness.binDir)/swkube-runc", "--root", "\(node.run)/runc", "exec", hooksID, "cat", "/tmp/post-start"])
        #expect(cat.stdout == "started\n", "postStart ran: \(cat.stderr)")
        #expect(try settled("env-demo", running))
        #expect(try waitUntil(seconds: 10) { node.logLines("env-demo", container: "app").contains("hello from env-demo in default") })
        let env = node.logLines("env-demo", container: "app")
        #expect(env.contains("MEMORY_LIMIT=\(32 << 20)") && env.contains("TIER=edge") && env.contains("POD_NAME=env-demo"), "\(env)")
        #expect(try settled("dns-demo", running))
        #expect(try waitUntil(seconds: 10) {
            node.logLines("dns-demo", container: "app") == ["nameserver 192.0.2.53", "search edge.example example", "options ndots:2 edns0"]
        }, "\(node.logLines("dns-demo", container: "app"))")
        #expect(try settled("security-demo") { running($0) && $0[1] == "1/1" })
        #expect(try waitUntil(seconds: 10) { node.logLines("security-demo", container: "app").contains("rootfs is read-only") })
        let security = node.logLines("security-demo", container: "app")
        #expect(security.contains { $0.hasPrefix("uid=1000 gid=3000 groups=") && $0.contains("4000") } &&
                security.contains("CapEff: 0000000000000000") && security.contains("NoNewPrivs: 1") &&
                security.contains("Seccomp: 2"), "\(security)")
        #expect(try settled("volumes-demo") { running($0) && $0[1] == "2/2" })
        #expect(try waitUntil(seconds: 15) { !node.logLines("volumes-demo", container: "reader").isEmpty },
                "the reader sees what the writer put in the shared emptyDir")
        #expect(try settled("configmap-demo", running))
        #expect(try waitUntil(seconds: 10) { node.logLines("configmap-demo", container: "app").contains("hello from a ConfigMap") })
        #expect(try waitUntil(seconds: 10) {
            node.logLines("configmap-demo", container: "app").contains("env: hello from a ConfigMap|fast|s3cret")
        }, "env valueFrom and envFrom (with prefix) from the directory's ConfigMap and Secret")
        #expect(try settled("run-once") { $0[2] == "Completed" })
        #expect(try settled("crash-loop") { ["CrashLoopBackOff", "Error"].contains($0[2]) && $0[3] != "0" })
        // kubectl shows the killed container's reason (Error) over the pod's; the phase says Failed.
        #expect(try settled("deadline-demo") { $0[2] == "Error" || $0[2] == "DeadlineExceeded" }, "\((try? node.kubectl(["get", "pods"]).stdout) ?? "")")
        let deadline = try node.kubectl(["get", "pod", "deadline-demo", "-o", "json"]).stdout.filter { $0 != " " }
        #expect(deadline.contains("\"phase\":\"Failed\"") && deadline.contains("\"reason\":\"DeadlineExceeded\""))
        // As kubectl, the killed container's reason (Error) shows over the pod's; the phase says Failed.
        #expect(try settled("emptydir-limit") { $0[2] == "Evicted" || $0[2] == "Error" },
                "\((try? node.kubectl(["describe", "pod", "emptydir-limit"]).stdout) ?? "")")
        let evicted = try node.kubectl(["get", "pod", "emptydir-limit", "-o", "json"]).stdout
        #expect(evicted.contains(#"Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\"."#), "\(evicted)")
        #expect(evicted.filter { $0 != " " }.contains("\"phase\":\"Failed\"") && evicted.filter { $0 != " " }.contains("\"reason\":\"Evicted\""))
        #expect(node.daemonAlive)

        // Both the manifests and what `get pod -o yaml` prints of them are real Kubernetes objects.
        if let validator = kubernetesValidate {
            for name in try FS.list(examples) where name.hasSuffix(".yaml") {
                let file = try Spawn.run([validator, "--strict", "\(examples)/\(name)"])
                #expect(file.status == 0, "\(name): \(file.stdout)\(file.stderr)")
            }
            for row in try node.kubectl(["get", "pods", "-o", "name"]).stdout.split(separator: "\n") {
                let pod = String(row.split(separator: "/").last ?? "")
                let yaml = try node.kubectl(["get", "pod", pod, "-o", "yaml"]).stdout
                try FS.writeAtomic("\(node.dir)/\(pod).out.yaml", yaml)
                let result = try Spawn.run([validator, "--strict", "\(node.dir)/\(pod).out.yaml"])
                #expect(result.status == 0, "\(pod) -o yaml: \(result.stdout)\(result.stderr)")
            }
        } else {
            print("skipping kubernetes-validate checks: not on PATH (pip install kubernetes-validate)")
        }
    }
}

/// The PyPI tool `kubernetes-validate` (Kubernetes OpenAPI schemas, offline), if on PATH.
let kubernetesValidate: String? = {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/kubernetes-validate" }.first { access($0, X_OK) == 0 }
}()
