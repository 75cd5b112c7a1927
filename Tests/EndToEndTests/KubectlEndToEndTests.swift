import Glibc
import SwkSupport
import Testing
import TestSupport

/// swkubectl against a live node: apply → get → logs → exec → top → describe → delete. The CLI
/// gets only `--root-dir` and `--pod-manifest-path`: the log directory, run directory and runtime
/// come from what the daemon recorded in the state database.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct KubectlEndToEndTests {
    @Test func applyGetLogsExecDescribeDelete() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        let source = "\(node.dir)/web.yaml"
        try FS.writeAtomic(source, NodeEndToEndTests.podYAML("web", script: "echo hello from web; echo to stderr >&2; exec sleep 1000"))

        let applied = try node.kubectl(["apply", "-f", source])
        #expect(applied.status == 0 && applied.stdout == "pod/web created\n", "\(applied.stderr)")
        #expect(try FS.list(node.manifests) == ["default_web.yaml"])
        #expect(try waitUntil(seconds: 30) { try node.status("web") == "Running" }, "\(node.daemonLog)")
        #expect(try node.kubectl(["get", "pods", "-o", "name"]).stdout == "pod/web\n")

        #expect(try waitUntil(seconds: 10) { try node.kubectl(["logs", "web"]).stdout == "hello from web\nto stderr\n" })
        let tail = try node.kubectl(["logs", "web", "--tail", "1", "--timestamps"])
        #expect(tail.status == 0 && tail.stdout.hasSuffix("Z to stderr\n"), "\(tail.stdout)\(tail.stderr)")

        let hostname = try node.kubectl(["exec", "web", "--", "hostname"])
        #expect(hostname.status == 0 && hostname.stdout == "web\n", "\(hostname.stderr)")
        let failing = try node.kubectl(["exec", "web", "-c", "main", "--", "sh", "-c", "exit 7"])
        #expect(failing.status == 7 && failing.stderr == "command terminated with exit code 7\n")

        let top = try node.kubectl(["top", "pods"])
        #expect(top.status == 0 && top.stdout.hasPrefix("NAME   CPU(cores)   MEMORY(bytes)\nweb    "), "\(top.stdout)\(top.stderr)")
        let containers = try node.kubectl(["top", "pod", "web", "--containers"])
        #expect(containers.status == 0 && containers.stdout.hasPrefix("POD   NAME   CPU(cores)   MEMORY(bytes)\nweb   main   "),
                "\(containers.stdout)\(containers.stderr)")
        // What exec and top used: the runtime root and the cgroups the daemon recorded.
        let recorded = try Spawn.run(["/usr/bin/sqlite3", "-readonly", "\(node.root)/state.db", """
            SELECT runtime_root FROM daemon; SELECT p.cgroup_path, c.cgroup_path, c.container_id
            FROM pods p JOIN containers c ON c.pod_uid = p.uid WHERE p.name = 'web'
            """])
        let rows = recorded.stdout.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        try #require(rows.count == 2 && rows[1].count == 3, "\(recorded.stdout)\(recorded.stderr)")
        #expect(rows[0] == ["\(node.run)/runc"])
        #expect(rows[1][0].hasPrefix("/swkube/") && rows[1][1] == "\(rows[1][0])/\(rows[1][2])", "\(rows)")

        let described = try node.kubectl(["describe", "pod", "web"])
        #expect(described.status == 0 && described.stdout.contains("Status:       Running"), "\(described.stdout)")
        #expect(described.stdout.contains("Manifest:     \(node.manifests)/default_web.yaml"))

        #expect(try node.kubectl(["apply", "-f", source]).stdout == "pod/web unchanged\n")
        let deleted = try node.kubectl(["delete", "pod", "web"])
        #expect(deleted.status == 0 && deleted.stdout == "pod \"web\" deleted\n")
        #expect(try FS.list(node.manifests).isEmpty)
        #expect(try waitUntil(seconds: 30) { try node.row("web") == nil }, "\(node.daemonLog)")
        let gone = try node.kubectl(["logs", "web"])
        #expect(gone.status == 1 && gone.stderr == "Error from server (NotFound): pods \"web\" not found\n")
    }
}
