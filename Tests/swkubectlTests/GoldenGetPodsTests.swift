@testable import KubeCtl
import Testing

/// Golden output of `get pods` tables against the fixed node (FixtureNode) and clock. The
/// texts were checked against kubectl's layout: tabwriter widths, AGE, STATUS, RESTARTS, quoting.
@Suite struct GoldenGetPods {
    let manifestError = "error: /etc/swkube/pods/bad.yaml:3: mapping values are not allowed in this context\n"

    @Test func getPodsTable() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        NAME       READY   STATUS              RESTARTS       AGE
        broken     0/0     InvalidManifest     0              2d3h
        crash      0/1     CrashLoopBackOff    5 (30s ago)    12m
        creating   0/1     ContainerCreating   0              3s
        done       0/1     Completed           0              8d
        failed     0/1     Error               0              3m2s
        init       0/1     Init:0/1            0              45s
        oom        0/1     OOMKilled           1 (120m ago)   5h
        web        1/1     Running             2 (5m ago)     3h20m

        """#)
    }

    @Test func getPodsAllNamespaces() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-A")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        NAMESPACE     NAME       READY   STATUS              RESTARTS       AGE
        default       broken     0/0     InvalidManifest     0              2d3h
        default       crash      0/1     CrashLoopBackOff    5 (30s ago)    12m
        default       creating   0/1     ContainerCreating   0              3s
        default       done       0/1     Completed           0              8d
        default       failed     0/1     Error               0              3m2s
        default       init       0/1     Init:0/1            0              45s
        default       oom        0/1     OOMKilled           1 (120m ago)   5h
        default       web        1/1     Running             2 (5m ago)     3h20m
        kube-system   agent      1/2     Running             0              400d

        """#)
    }

    @Test func getPodsWide() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-o", "wide")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        NAME       READY   STATUS              RESTARTS       AGE     IP          NODE
        broken     0/0     InvalidManifest     0              2d3h    <none>      edge-1
        crash      0/1     CrashLoopBackOff    5 (30s ago)    12m     <none>      edge-1
        creating   0/1     ContainerCreating   0              3s      <none>      edge-1
        done       0/1     Completed           0              8d      <none>      edge-1
        failed     0/1     Error               0              3m2s    <none>      edge-1
        init       0/1     Init:0/1            0              45s     <none>      edge-1
        oom        0/1     OOMKilled           1 (120m ago)   5h      <none>      edge-1
        web        1/1     Running             2 (5m ago)     3h20m   10.88.0.2   edge-1

        """#)
    }

    @Test func getPodsName() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "-o", "name")
        #expect(out.exitCode == 0)
        #expect(out.stderr == manifestError)
        #expect(out.stdout == #"""
        pod/broken
        pod/crash
        pod/creating
        pod/done
        pod/failed
        pod/init
        pod/oom
        pod/web

        """#)
    }

    @Test func notFoundSuggestsANearName() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "wbe")
        #expect(out.exitCode == 1)
        #expect(out.stderr == "Error from server (NotFound): pods \"wbe\" not found (did you mean \"web\"?)\n")
        #expect(out.stdout == "")
    }

    @Test func notFoundNamesTheOtherNamespace() throws {
        let node = try FixtureNode()
        let out = node.run("get", "pods", "agent")
        #expect(out.exitCode == 1)
        #expect(out.stderr == "Error from server (NotFound): pods \"agent\" not found in namespace \"default\" (it exists in \"kube-system\": use -n kube-system)\n")
        #expect(out.stdout == "")
    }
}
