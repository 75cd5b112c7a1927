@testable import KubeCtl
import StateStore
import SwkSupport
import Testing

@Suite struct GetPodsOptions {
    @Test func noHeadersAndShowLabels() throws {
        let node = try FixtureNode()
        #expect(node.run("get", "pods", "-n", "kube-system", "--no-headers").stdout == "agent   1/2   Running   0     400d\n")
        #expect(node.run("get", "pods", "web", "--show-labels").stdout == """
            NAME   READY   STATUS    RESTARTS     AGE     LABELS
            web    1/1     Running   2 (5m ago)   3h20m   app=web,tier=front

            """)
        #expect(node.run("get", "pods", "-n", "kube-system", "--show-labels", "--no-headers").stdout ==
                "agent   1/2   Running   0     400d   <none>\n")
    }

    @Test(arguments: [
        ("app=web", "pod/web\n"), ("app==web", "pod/web\n"), ("tier in (front, back)", "pod/web\n"),
        ("app", "pod/web\n"), ("app,tier=front", "pod/web\n"), ("app=db", ""), ("tier notin (front)", nil),
        ("!app", nil), ("app!=web", nil),
    ] as [(String, String?)])
    func selectors(selector: String, expected: String?) throws {
        let node = try FixtureNode()
        let everyOtherPod = "pod/broken\npod/crash\npod/creating\npod/done\npod/failed\npod/init\npod/oom\n"
        let out = node.run("get", "pods", "-l", selector, "-o", "name")
        #expect(out.stdout == (expected ?? everyOtherPod) && out.exitCode == 0)
    }

    @Test func selectorErrors() throws {
        let node = try FixtureNode()
        #expect(node.run("get", "pods", "-l", "app in web").stderr == "error: unable to parse requirement \"app in web\" of label selector \"app in web\"\n")
        #expect(node.run("get", "pods", "web", "-l", "app=web").stderr.hasSuffix("error: name cannot be provided when a selector is specified\n"))
        #expect(node.run("get", "pods", "-l", "app=nothing").stderr.hasPrefix("No resources found in default namespace.\n"))
    }

    @Test func watchPrintsALinePerChange() throws {
        let node = try FixtureNode()
        let path = node.paths.statePath
        let recorder = StreamRecorder(steps: [
            {},  // nothing changed: no line
            {
                let store = try StateStore(path: path)
                var pod = try #require(try store.pod(namespace: "kube-system", name: "agent"))
                pod.containers[1].ready = true
                try store.upsertPod(pod)
            },
            {
                let store = try StateStore(path: path)
                try store.upsertPod(FixtureNode.pod("new", ns: "kube-system", phase: .pending, age: 0,
                                                    [FixtureNode.container("c", .waiting, reason: "ContainerCreating")]))
            },
            { try StateStore(path: path).deletePod(uid: "kube-system-agent-uid") },
        ])
        var ctx = recorder.context()
        ctx.clock = { now + 10 * second }
        let out = Swkubectl.execute(["get", "pods", "-w", "-n", "kube-system", "--root-dir", node.root], ctx)
        #expect(out == Output())
        #expect(recorder.failures.withLock { $0 }.isEmpty)
        #expect(recorder.stdout == """
            NAME    READY   STATUS    RESTARTS   AGE
            agent   1/2     Running   0          400d
            agent   2/2   Running   0     400d
            new   0/1   ContainerCreating   0     10s
            agent   2/2   Running   0     400d

            """)
    }
}
