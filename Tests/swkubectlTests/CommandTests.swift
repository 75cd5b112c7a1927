@testable import KubeCtl
import StateStore
import SwkSupport
import Testing

@Suite struct Commands {
    @Test func missingStateIsAOneLineError() throws {
        let out = Swkubectl.execute(["get", "pods", "--root-dir", "/nonexistent/swkube"], fixedContext())
        #expect(out == Output(stderr: "error: no state at /nonexistent/swkube/state.db: is swkubelet running?\n", exitCode: 1))
    }

    @Test func globalOptionsWorkBeforeTheVerb() throws {
        let node = try FixtureNode()
        let out = Swkubectl.execute(["--root-dir=\(node.root)", "get", "pods", "-o", "name", "-n", "kube-system"], fixedContext())
        #expect(out.stdout == "pod/agent\n" && out.exitCode == 0)
    }

    @Test(arguments: [
        (["get", "pods"], ["get", "pods"]),
        (["--root-dir", "/r", "get", "pods", "x"], ["get", "pods", "x", "--root-dir", "/r"]),
        (["get", "--pod-manifest-path=/m", "pods"], ["get", "pods", "--pod-manifest-path=/m"]),
        (["exec", "p", "--", "--root-dir", "x"], ["exec", "p", "--", "--root-dir", "x"]),
        (["--root-dir", "/r", "exec", "p", "--", "sh"], ["exec", "p", "--root-dir", "/r", "--", "sh"]),
    ])
    func globalOptionsMoveLast(input: [String], expected: [String]) {
        #expect(Swkubectl.movingGlobalOptionsLast(input) == expected)
    }

    @Test func emptyNamespaceSaysNoResources() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-n", "empty")
        #expect(out.stdout.isEmpty && out.exitCode == 0)
        #expect(out.stderr.hasPrefix("No resources found in empty namespace.\n"))
        #expect(node.run("get", "events", "-n", "empty").stderr == "No resources found in empty namespace.\n")
    }

    @Test func emptyNodeListsNothingInEveryFormat() throws {
        let node = try FixtureNode(populate: false)
        #expect(node.run("get", "pods", "-A") == Output(stderr: "No resources found\n"))
        #expect(node.run("get", "pods", "-o", "name") == Output())
        #expect(node.run("get", "pods", "-o", "yaml").stdout == """
            apiVersion: v1
            items: []
            kind: List
            metadata:
              resourceVersion: ""

            """)
    }

    @Test func nameAcrossAllNamespacesIsRefused() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "web", "-A")
        #expect(out.exitCode == 1)
        #expect(out.stderr == "error: a resource cannot be retrieved by name across all namespaces\n")
    }

    @Test func describeUnknownPodIsNotFound() throws {
        let node = try FixtureNode()
        let out = node.run("describe", "pod", "nope")
        #expect(out == Output(stderr: "Error from server (NotFound): pods \"nope\" not found (did you mean \"done\"?)\n", exitCode: 1))
        #expect(node.run("describe", "pod", "far-from-any-name") ==
                Output(stderr: "Error from server (NotFound): pods \"far-from-any-name\" not found\n", exitCode: 1))
    }

    @Test func describeShowsTheManifestErrorsOfItsFileOnly() throws {
        let node = try FixtureNode()
        let store = try StateStore(path: node.paths.statePath)
        try store.replaceManifestErrors([
            ManifestErrorRecord(file: "/etc/swkube/pods/web.yaml", line: 7, message: "unknown field \"spec.foo\"", observedAt: now),
            ManifestErrorRecord(file: "/etc/swkube/pods/other.yaml", line: 1, message: "x", observedAt: now),
        ])
        #expect(node.run("describe", "pod", "web").stderr == "error: /etc/swkube/pods/web.yaml:7: unknown field \"spec.foo\"\n")
    }

    @Test func staleHeartbeatWarns() throws {
        let node = try FixtureNode(heartbeatAge: 3 * minute)
        let out = node.run("get", "pods", "-o", "name", "-n", "kube-system")
        #expect(out.stderr.hasPrefix("warning: swkubelet is not running (last seen 3m ago)\n"))
        #expect(out.stdout == "pod/agent\n" && out.exitCode == 0)
    }

    @Test func deadDaemonProcessWarnsEvenWithAFreshHeartbeat() throws {
        let node = try FixtureNode(heartbeatAge: 5 * second)
        let out = node.run("get", "events", "-n", "kube-system", daemonAlive: false)
        #expect(out.stderr == "warning: swkubelet is not running (last seen 5s ago)\n")
        #expect(node.run("get", "events", "-n", "kube-system").stderr.isEmpty)
    }

    @Test func noHeartbeatEverWarns() throws {
        let node = try FixtureNode(heartbeatAge: nil, populate: false)
        #expect(node.run("get", "pods").stderr.hasPrefix("warning: swkubelet is not running (it never reported)\n"))
    }

    @Test func version() {
        #expect(Swkubectl.execute(["version"], fixedContext()) == Output(stdout: "Client Version: \(swkubeVersion)\n"))
    }

    @Test func badOutputFormatIsAUsageError() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-o", "table")
        #expect(out.exitCode == 1)
        #expect(out.stderr.hasPrefix("Error: The value 'table' is invalid for '-o <output>'"))
    }
}
