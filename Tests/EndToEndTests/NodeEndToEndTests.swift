import Glibc
import SwkSupport
import Testing
import TestSupport

/// The foundation slice end to end, as root with real containers: manifest in, container out,
/// `swkubectl get pods` says so. Each test runs its own node in its own temp directories.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct NodeEndToEndTests {
    static func podYAML(_ name: String, policy: String = "Always", script: String, memory: String = "24Mi") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          restartPolicy: \(policy)
          terminationGracePeriodSeconds: 2
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sh", "-c", \(jsonQuote(script))]
              resources:
                limits:
                  memory: \(memory)

        """
    }

    /// The container reports what it sees from inside: its pid, hostname, root and memory limit.
    /// (`$$$$` because Kubernetes turns `$$` in a command into `$`.)
    static let probeScript = """
        echo "pid=$$$$"; echo "hostname=$(hostname)"; echo "root=$(ls / | tr '\\n' ' ')"; \
        for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do \
        [ -r $f ] && echo "memlimit=$(cat $f)"; done; echo ready; exec sleep 1000
        """

    @Test func aManifestBecomesARunningContainerThatSeesItsOwnWorld() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("probe.yaml", Self.podYAML("probe", script: Self.probeScript))
        #expect(try waitUntil(seconds: 30) { try node.status("probe") == "Running" }, "\(node.daemonLog)")
        try waitUntil(seconds: 10) { node.logLines("probe", container: "main").contains("ready") }
        let lines = node.logLines("probe", container: "main")
        #expect(lines.contains("pid=1"))
        #expect(lines.contains("hostname=probe"))
        let root = try #require(lines.first { $0.hasPrefix("root=") })
        #expect(root.contains("bin") && root.contains("etc"))
        #expect(!root.contains("home") && !root.contains("usr"), "the host's / is not visible: \(root)")
        #expect(lines.contains("memlimit=\(24 * 1024 * 1024)"), "\(lines)")
        #expect(try node.row("probe")?[1] == "1/1")
    }

    @Test func deletingAManifestRemovesItsPodAndEditingItReplacesTheContainer() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("a.yaml", Self.podYAML("alpha", script: "echo first; exec sleep 1000"))
        try node.write("b.yaml", Self.podYAML("beta", script: "exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { try node.status("alpha") == "Running" && node.status("beta") == "Running" })

        try node.write("a.yaml", Self.podYAML("alpha", script: "echo second; exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { node.logLines("alpha", container: "main").contains("second") })
        #expect(try waitUntil(seconds: 10) { try node.status("alpha") == "Running" })

        let betaPid = try #require(try containerPid(node, pod: "beta"))
        let betaUID = try #require(try podUID(node, pod: "beta"))
        #expect(FS.exists("/sys/fs/cgroup/memory/swkube/\(betaUID)") || FS.exists("/sys/fs/cgroup/swkube/\(betaUID)"))
        node.remove("b.yaml")
        #expect(try waitUntil(seconds: 30) { try node.row("beta") == nil })
        #expect(kill(betaPid, 0) != 0, "beta's process is gone")
        #expect(!FS.exists("/sys/fs/cgroup/memory/swkube/\(betaUID)") && !FS.exists("/sys/fs/cgroup/swkube/\(betaUID)"),
                "beta's cgroup is gone")
        #expect(mounts(under: node.run).filter { $0.contains("rootfs") }.count == 1, "only alpha's rootfs stays mounted")
        #expect(try node.status("alpha") == "Running")
    }

    @Test func aKilledContainerRestartsUnderAlwaysAndEndsWithItsCodeUnderNever() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("always.yaml", Self.podYAML("always", script: "echo up; exec sleep 1000"))
        try node.write("never.yaml", Self.podYAML("never", policy: "Never", script: "exit 3"))
        #expect(try waitUntil(seconds: 30) { try node.status("always") == "Running" })
        #expect(try waitUntil(seconds: 30) { try node.status("never") == "Error" }, "\(node.daemonLog)")

        let json = try node.kubectl(["get", "pod", "never", "-o", "json"]).stdout
        #expect(json.filter { $0 != " " }.contains("\"exitCode\":3"), "\(json)")

        let pid = try #require(try containerPid(node, pod: "always"))
        kill(pid, SIGKILL)
        let restarted = try waitUntil(seconds: 30) { try node.row("always").map { $0[2] == "Running" && $0[3].hasPrefix("1") } ?? false }
        #expect(restarted, "\((try? node.kubectl(["get", "pods"]).stdout) ?? "")")
    }

    @Test func aBrokenManifestIsReportedWithFileAndLineAndOthersKeepRunning() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("good.yaml", Self.podYAML("good", script: "exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { try node.status("good") == "Running" })
        let before = try #require(try containerPid(node, pod: "good"))
        try node.write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers: [\n")
        #expect(try waitUntil(seconds: 15) {
            let out = try node.kubectl(["get", "pods"])
            return (out.stdout + out.stderr).contains("bad.yaml:")
        })
        let out = try node.kubectl(["get", "pods"])
        #expect((out.stdout + out.stderr).contains("\(node.manifests)/bad.yaml:7"), "\(out.stdout)\(out.stderr)")
        #expect(node.daemonAlive)
        #expect(try node.status("good") == "Running")
        #expect(try containerPid(node, pod: "good") == before, "the good pod was not restarted")
    }

    @Test func containersOutliveAKilledDaemonAndAreAdoptedNotRestarted() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("keep.yaml", Self.podYAML("keep", script: "exec sleep 1000"))
        try node.write("ends.yaml", Self.podYAML("ends", policy: "Never", script: "exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { try node.status("keep") == "Running" && node.status("ends") == "Running" })
        let keepPid = try #require(try containerPid(node, pod: "keep"))
        let endsPid = try #require(try containerPid(node, pod: "ends"))

        node.kill9Daemon()
        kill(endsPid, SIGKILL)   // exits while no daemon watches
        #expect(kill(keepPid, 0) == 0, "the container survived the daemon")

        try node.start()
        #expect(try waitUntil(seconds: 30) { try node.status("ends") == "Error" }, "\(node.daemonLog)")
        #expect(try containerPid(node, pod: "keep") == keepPid, "adopted, not restarted")
        #expect(try node.row("keep")?[3] == "0")
        let json = try node.kubectl(["get", "pod", "ends", "-o", "json"]).stdout
        #expect(json.filter { $0 != " " }.contains("\"exitCode\":137"), "\(json)")
    }

    @Test func probesFlipReadinessAndRestartAnUnhealthyContainer() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("probed.yaml", """
            apiVersion: v1
            kind: Pod
            metadata:
              name: probed
            spec:
              terminationGracePeriodSeconds: 2
              containers:
                - name: web
                  image: localhost/swkube-demo:1.0
                  command: ["sh", "-c", "mkdir -p /tmp/www && echo ok > /tmp/www/healthz && exec httpd -f -p 8080 -h /tmp/www"]
                  readinessProbe:
                    exec:
                      command: ["test", "-f", "/tmp/ready"]
                    periodSeconds: 1
                  livenessProbe:
                    httpGet:
                      path: /healthz
                      port: 8080
                    periodSeconds: 1
                    failureThreshold: 2

            """)
        #expect(try waitUntil(seconds: 30) { try node.row("probed").map { $0[1] == "0/1" && $0[2] == "Running" } ?? false },
                "\(node.daemonLog)")
        let id = try #require(try containerID(node, pod: "probed"))
        let runc = ["\(NodeHarness.binDir)/swkube-runc", "--root", "\(node.run)/runc", "exec", id]
        #expect(try Spawn.run(runc + ["touch", "/tmp/ready"]).status == 0)
        #expect(try waitUntil(seconds: 15) { try node.row("probed")?[1] == "1/1" }, "readiness passes once /tmp/ready exists")
        #expect(try node.row("probed")?[3] == "0")

        #expect(try Spawn.run(runc + ["rm", "/tmp/www/healthz"]).status == 0)
        #expect(try waitUntil(seconds: 30) { try node.row("probed")?[3].hasPrefix("1") ?? false }, "liveness failure restarts it")
        let events = try node.kubectl(["get", "events"]).stdout
        #expect(events.contains("Liveness probe failed"), "\(events)")
    }

    @Test(.enabled(if: FS.exists("/usr/sbin/runc") || FS.exists("/usr/bin/runc"), "Debian's runc is not installed"))
    func debiansRuncRunsTheSameBundles() throws {
        let node = try NodeHarness(runtime: FS.exists("/usr/sbin/runc") ? "/usr/sbin/runc" : "/usr/bin/runc")
        defer { node.shutdown() }
        try node.start()
        try node.write("probe.yaml", Self.podYAML("viarunc", script: Self.probeScript))
        #expect(try waitUntil(seconds: 30) { try node.status("viarunc") == "Running" }, "\(node.daemonLog)")
        try waitUntil(seconds: 10) { node.logLines("viarunc", container: "main").contains("ready") }
        let lines = node.logLines("viarunc", container: "main")
        #expect(lines.contains("pid=1") && lines.contains("hostname=viarunc"), "\(lines)")
        #expect(lines.contains("memlimit=\(24 * 1024 * 1024)"), "\(lines)")
    }
}

/// The host pid of the pod's container process, found through the runtime's state under run-dir.
func containerPid(_ node: NodeHarness, pod: String) throws -> pid_t? {
    guard let id = try containerID(node, pod: pod) else { return nil }
    // The shim records `<init pid> <start time> <shim pid> <start time>` in the container's state dir.
    guard let text = try? FS.readString("\(node.run)/containers/\(id)/pids"),
          let first = text.split(separator: " ").first else { return nil }
    return pid_t(first)
}

/// The pod's (first) container id, from `get pod -o json`.
func containerID(_ node: NodeHarness, pod: String) throws -> String? {
    let json = try node.kubectl(["get", "pod", pod, "-o", "json"]).stdout
    guard let range = json.firstRange(of: "swkube://") else { return nil }
    return String(json[range.upperBound...].prefix { $0.isHexDigit })
}

/// The pod's uid, from `get pod -o json`.
func podUID(_ node: NodeHarness, pod: String) throws -> String? {
    let json = try node.kubectl(["get", "pod", pod, "-o", "json"]).stdout.filter { $0 != " " }
    guard let range = json.firstRange(of: "\"uid\":\"") else { return nil }
    return String(json[range.upperBound...].prefix { $0 != "\"" })
}

func jsonQuote(_ s: String) -> String {
    var out = "\""
    for ch in s {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out.append(ch)
        }
    }
    return out + "\""
}
