import Glibc
@testable import StateStore
import SwkSupport
import TestSupport

/// A unique temporary directory removed when the value is dropped.
final class TempDir {
    let path: String

    init() throws {
        path = try makeTempDir("state")
    }

    deinit { try? FS.removeTree(path) }

    var db: String { "\(path)/state.db" }
}

func samplePod(_ name: String, namespace: String = "default") -> PodRecord {
    var pod = PodRecord(uid: "uid-\(namespace)-\(name)", namespace: namespace, name: name,
                        manifestPath: "/etc/swkube/pods/\(name).yaml", phase: .running, createdAt: 1_000)
    pod.podIP = "10.88.0.2"
    pod.startTime = 2_000
    pod.specJSON = #"{"spec":{"containers":[{"name":"app","image":"busybox"}]}}"#
    var initC = ContainerRecord(name: "setup", image: "busybox", state: .terminated)
    initC.isInit = true
    initC.reason = "Completed"
    initC.finishedAt = 1_500
    var app = ContainerRecord(name: "app", image: "busybox:latest", state: .running)
    app.imageID = "sha256:abc"
    app.containerID = "c0ffee"
    app.ready = true
    app.restartCount = 2
    app.startedAt = 3_000
    app.lastExitCode = 137
    app.lastReason = "Error"
    app.lastFinishedAt = 2_900
    var side = ContainerRecord(name: "side", image: "busybox", state: .waiting)
    side.reason = "CrashLoopBackOff"
    side.message = "back-off 10s"
    pod.containers = [initC, app, side]
    return pod
}

/// Number of rows in a table, read through the store's own connection.
func rowCount(_ store: StateStore, _ table: String) throws -> Int64 {
    let stmt = try store.db.statement("SELECT count(*) FROM \(table)")
    defer { stmt.reset() }
    _ = try stmt.step()
    return stmt.int(0)
}
