import Glibc
@testable import StateStore
import SwkSupport
import Testing

@Suite struct PodRoundTrips {
    @Test func podAndContainersRoundTrip() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        let pod = samplePod("web")
        try store.upsertPod(pod)
        #expect(try store.pods() == [pod])
        #expect(try store.pod(namespace: "default", name: "web") == pod)
        #expect(try store.pod(namespace: "other", name: "web") == nil)
    }

    @Test func upsertReplacesContainersWhole() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        var pod = samplePod("web")
        try store.upsertPod(pod)
        pod.containers.removeLast()
        pod.phase = .failed
        try store.upsertPod(pod)
        #expect(try store.pods() == [pod])
        #expect(try rowCount(store, "containers") == 2)
    }

    @Test func podsAreSortedByNamespaceThenName() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        for (ns, name) in [("kube", "b"), ("default", "z"), ("default", "a"), ("kube", "a")] {
            try store.upsertPod(samplePod(name, namespace: ns))
        }
        let keys = try store.pods().map { "\($0.namespace)/\($0.name)" }
        #expect(keys == ["default/a", "default/z", "kube/a", "kube/b"])
    }

    @Test func deleteRemovesContainersToo() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.upsertPod(samplePod("a"))
        try store.upsertPod(samplePod("b"))
        try store.deletePod(uid: "uid-default-a")
        #expect(try store.pods().map(\.name) == ["b"])
        #expect(try rowCount(store, "containers") == 3)
    }

    @Test func reusedNameWithNewUIDReplacesTheOldPod() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.upsertPod(samplePod("a"))
        var renamed = samplePod("a")
        renamed.uid = "new-uid"
        try store.upsertPod(renamed)
        #expect(try store.pods().map(\.uid) == ["new-uid"])
    }
}

@Suite struct Transactions {
    @Test func failedUpsertLeavesThePreviousStatus() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        let before = samplePod("web")
        try store.upsertPod(before)
        var broken = before
        broken.phase = .failed
        broken.containers.append(broken.containers[1])  // duplicate container name
        #expect(throws: SwkError.self) { try store.upsertPod(broken) }
        #expect(try store.pods() == [before])
    }

    @Test func groupedWritesRollBackTogether() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        #expect(throws: SwkError.self) {
            try store.transaction { () throws(SwkError) in
                try store.upsertPod(samplePod("a"))
                try store.recordEvent(EventRecord(type: "Normal", reason: "Started", message: "m",
                                                  namespace: "default", object: "pod/a", timestamp: 1))
                throw SwkError(.internal, "injected")
            }
        }
        #expect(try store.pods().isEmpty)
        #expect(try store.events().isEmpty)
        try store.transaction { () throws(SwkError) in try store.upsertPod(samplePod("b")) }
        #expect(try store.pods().map(\.name) == ["b"])
    }
}

@Suite struct Heartbeat {
    @Test func absentUntilWrittenThenLatest() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        #expect(try store.daemonHeartbeat() == nil)
        try store.setDaemonHeartbeat(pid: 42, at: 100)
        try store.setDaemonHeartbeat(pid: 43, at: 200)
        let hb = try #require(try store.daemonHeartbeat())
        #expect(hb.pid == 43 && hb.at == 200)
    }
}

@Suite struct ManifestErrors {
    @Test func replacedWholeAndSorted() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.replaceManifestErrors([ManifestErrorRecord(file: "/p/old.yaml", line: 1, message: "x", observedAt: 1)])
        let errors = [
            ManifestErrorRecord(file: "/p/b.yaml", line: 3, message: "bad indent", observedAt: 5),
            ManifestErrorRecord(file: "/p/a.yaml", line: 9, message: "spec.containers[0].image: required", observedAt: 5),
        ]
        try store.replaceManifestErrors(errors)
        #expect(try store.manifestErrors() == [errors[1], errors[0]])
        try store.replaceManifestErrors([])
        #expect(try store.manifestErrors().isEmpty)
    }
}
