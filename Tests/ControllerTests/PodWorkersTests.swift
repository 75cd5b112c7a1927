import Controller
import Testing

/// A pod sync that records its runs and, for the pods told to, waits until released: a slow sync
/// whose end the test decides.
private actor SyncRecorder {
    private(set) var started: [String] = []
    private(set) var finished: [String] = []
    private var holding: Set<String> = []
    private var held: [CheckedContinuation<Void, Never>] = []

    func hold(_ uid: String) { holding.insert(uid) }

    func releaseAll() {
        holding = []
        for waiter in held { waiter.resume() }
        held = []
    }

    func sync(_ uid: String) async {
        started.append(uid)
        if holding.contains(uid) { await withCheckedContinuation { held.append($0) } }
        finished.append(uid)
    }

    func runs(of uid: String) -> Int { started.filter { $0 == uid }.count }
}

/// kubelet's pod worker semantics: one sync per pod at a time, a newer update replacing the
/// pending one, and pods never waiting on each other.
struct PodWorkersTests {
    @Test func aNewerUpdateReplacesThePendingOne() async {
        let recorder = SyncRecorder()
        let workers = PodWorkers { await recorder.sync($0) }
        await recorder.hold("a")
        await workers.update("a")
        #expect(await eventually { await recorder.started == ["a"] })
        #expect(await workers.state(of: "a") == .busy)
        for _ in 0..<3 { await workers.update("a") }
        #expect(await workers.state(of: "a") == .pending)
        #expect(await recorder.runs(of: "a") == 1, "no second sync while the first runs")

        await recorder.releaseAll()
        await workers.waitIdle()
        #expect(await recorder.runs(of: "a") == 2, "three updates during a sync make one more sync")
        #expect(await workers.state(of: "a") == .idle)
    }

    @Test func updatesOfDifferentPodsRunConcurrently() async {
        let recorder = SyncRecorder()
        let workers = PodWorkers { await recorder.sync($0) }
        await recorder.hold("slow")
        await workers.update("slow")
        #expect(await eventually { await recorder.started == ["slow"] })
        await workers.update("fast")
        #expect(await eventually { await recorder.finished == ["fast"] }, "a pod's sync does not wait for another pod's")
        #expect(await workers.state(of: "fast") == .idle)
        #expect(await workers.state(of: "slow") == .busy)

        await recorder.releaseAll()
        await workers.waitIdle()
        #expect(await recorder.finished == ["fast", "slow"])
    }
}
