import Glibc
@testable import KubeCtl
import StateStore
import SwkSupport
import TestSupport

let second: Int64 = 1_000_000_000
let minute = 60 * second
let hour = 60 * minute
/// 2026-12-01T12:00:00Z, the fixed "now" of every golden test.
let now: Int64 = 1_796_126_400 * second

func fixedContext(daemonAlive: Bool = true) -> Context {
    Context(now: now, hostname: "edge-1", utcOffset: { _ in 0 }, isProcessAlive: { _ in daemonAlive })
}

/// A temp root dir with a state.db holding a fixed set of pods, events and manifest errors.
final class FixtureNode {
    let root: String
    var paths: Paths { Paths(rootDir: root, manifestDir: "\(root)/pods") }

    init(heartbeatAge: Int64? = 10 * second, populate: Bool = true) throws {
        root = try makeTempDir("swkubectl")
        let store = try StateStore(path: StateStore.databasePath(rootDir: root))
        if let heartbeatAge { try store.setDaemonHeartbeat(pid: 4242, at: now - heartbeatAge) }
        guard populate else { return }
        for pod in Self.pods() { try store.upsertPod(pod) }
        for e in Self.events() { try store.recordEvent(e) }
        try store.replaceManifestErrors([
            ManifestErrorRecord(file: "/etc/swkube/pods/bad.yaml", line: 3,
                                message: "mapping values are not allowed in this context", observedAt: now),
        ])
    }

    deinit { try? FS.removeTree(root) }

    /// Runs a command line against this node with the fixed clock.
    func run(_ args: String..., daemonAlive: Bool = true) -> Output {
        run(args, daemonAlive: daemonAlive)
    }

    func run(_ args: [String], daemonAlive: Bool = true) -> Output {
        Swkubectl.execute(["--root-dir", root] + args, fixedContext(daemonAlive: daemonAlive))
    }

    static func pod(_ name: String, ns: String = "default", phase: PodPhase, age: Int64,
                    _ containers: [ContainerRecord], spec: String? = nil) -> PodRecord {
        var p = PodRecord(uid: "\(ns)-\(name)-uid", namespace: ns, name: name,
                          manifestPath: "/etc/swkube/pods/\(name).yaml", phase: phase, createdAt: now - age)
        p.containers = containers
        p.specJSON = spec ?? """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"\(name)","namespace":"\(ns)"},
             "spec":{"containers":[\(containers.filter { !$0.isInit }.map { #"{"name":"\#($0.name)","image":"\#($0.image)"}"# }.joined(separator: ","))]}}
            """
        return p
    }

    static func container(_ name: String, _ state: ContainerRecord.State, reason: String = "", exit: Int32 = 0,
                          ready: Bool = false, restarts: Int32 = 0, lastFinishedAgo: Int64 = 0) -> ContainerRecord {
        var c = ContainerRecord(name: name, image: "busybox:1.36", state: state)
        c.reason = reason
        c.exitCode = exit
        c.ready = ready
        c.restartCount = restarts
        if lastFinishedAgo > 0 {
            c.lastExitCode = 1
            c.lastReason = "Error"
            c.lastFinishedAt = now - lastFinishedAgo
        }
        if state == .terminated {
            c.startedAt = now - 2 * hour
            c.finishedAt = now - hour
        }
        return c
    }

    static let webSpec = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default",
         "labels":{"app":"web","tier":"front"},"annotations":{"note":"edge: yes"}},
         "spec":{"restartPolicy":"Always","containers":[{"name":"nginx","image":"busybox:1.36",
           "command":["httpd","-f","-p","8080"],"args":["-v"],"ports":[{"containerPort":8080,"protocol":"TCP"}],
           "env":[{"name":"MODE","value":"prod"},{"name":"PORT","value":"8080"}],
           "resources":{"limits":{"memory":"64Mi"}},
           "volumeMounts":[{"name":"data","mountPath":"/data"}]}],
          "volumes":[{"name":"data","hostPath":{"path":"/srv/data","type":"Directory"}}]}}
        """

    static func pods() -> [PodRecord] {
        var web = container("nginx", .running, ready: true, restarts: 2, lastFinishedAgo: 5 * minute)
        web.startedAt = now - 5 * minute
        web.imageID = "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741"
        web.containerID = "5d2a6f0c1b3e"
        var webPod = pod("web", phase: .running, age: 3 * hour + 20 * minute, [web], spec: webSpec)
        webPod.podIP = "10.88.0.2"
        webPod.startTime = now - 3 * hour

        var setup = container("setup", .running)
        setup.isInit = true
        var initPod = pod("init", phase: .pending, age: 45 * second, [setup, container("app", .waiting, reason: "PodInitializing")])
        initPod.specJSON = #"{"spec":{"initContainers":[{"name":"setup","image":"busybox:1.36"}],"containers":[{"name":"app","image":"busybox:1.36"}]}}"#

        var broken = pod("broken", phase: .pending, age: 2 * 24 * hour + 3 * hour, [])
        broken.reason = "InvalidManifest"
        broken.message = "spec.containers[0].image: required"

        return [
            webPod,
            pod("crash", phase: .running, age: 12 * minute,
                [container("loop", .waiting, reason: "CrashLoopBackOff", restarts: 5, lastFinishedAgo: 30 * second)]),
            pod("creating", phase: .pending, age: 3 * second, [container("app", .waiting, reason: "ContainerCreating")]),
            pod("done", phase: .succeeded, age: 8 * 24 * hour, [container("job", .terminated, reason: "Completed")]),
            pod("failed", phase: .failed, age: 3 * minute + 2 * second, [container("job", .terminated, reason: "Error", exit: 1)]),
            pod("oom", phase: .running, age: 5 * hour,
                [container("hog", .terminated, reason: "OOMKilled", exit: 137, restarts: 1, lastFinishedAgo: 2 * hour)]),
            initPod,
            broken,
            pod("agent", ns: "kube-system", phase: .running, age: 400 * 24 * hour,
                [container("main", .running, ready: true), container("sidecar", .running)]),
        ]
    }

    static func events() -> [EventRecord] {
        func e(_ type: String, _ reason: String, _ msg: String, _ obj: String, _ ago: Int64, ns: String = "default") -> EventRecord {
            var ev = EventRecord(type: type, reason: reason, message: msg, namespace: ns, object: "pod/\(obj)", timestamp: now - ago)
            ev.podUID = "\(ns)-\(obj)-uid"
            return ev
        }
        return [
            e("Normal", "Pulled", "Container image \"busybox:1.36\" already present on machine", "web", 3 * hour),
            e("Normal", "Created", "Created container nginx", "web", 3 * hour),
            e("Normal", "Started", "Started container nginx", "web", 3 * hour),
            e("Warning", "BackOff", "Back-off restarting failed container loop", "crash", 10 * minute),
            e("Warning", "BackOff", "Back-off restarting failed container loop", "crash", 4 * minute),
            e("Warning", "BackOff", "Back-off restarting failed container loop", "crash", 40 * second),
            e("Normal", "Started", "Started container main", "agent", 2 * hour, ns: "kube-system"),
            e("Normal", "Started", "Started container nginx", "web", 5 * minute),
        ]
    }
}
