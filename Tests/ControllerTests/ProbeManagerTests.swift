import CRI
@testable import Controller
import KubeAPI
import Logging
import StateStore
import Testing
import TestSupport

/// The probe manager against the fake runtime: a worker per running probed container, stopped
/// when the container stops or the pod goes, and result changes reported to the pod workers.
struct ProbeManagerTests: ControllerFixtureTest {
    let fixture: ControllerFixture
    let synced = SyncedPods()
    let manager: ProbeManager

    actor SyncedPods {
        private(set) var uids: [String] = []
        func add(_ uid: String) { uids.append(uid) }
    }

    init() throws {
        fixture = try ControllerFixture()
        let events = EventRecorder(status: try StatusWriter(store: try StateStore(path: "\(fixture.dir)/state.db")),
                                   clock: fixture.clock, logger: Logger(label: "test"))
        let hooks = LifecycleHooks(runtime: fixture.runtime, clock: fixture.clock, events: events, logger: Logger(label: "test"))
        let synced = self.synced
        manager = ProbeManager(runtime: fixture.runtime, clock: fixture.clock, events: events, hooks: hooks,
                               workers: PodWorkers { await synced.add($0) })
    }

    /// A pod with a probed container `app` and an unprobed `plain`, run by the fixture's
    /// controller from the same pod without probes (so only this test's manager probes it).
    func runPod() async throws -> (probed: Pod, observed: ObservedPod) {
        var pod = NodeControllerTests.pod("probed")
        var plain = KubeAPI.Container(name: "plain", image: "localhost/swkube-demo:1.0")
        plain.command = ["sleep", "1000"]
        pod.spec.containers.append(plain)
        var state = DesiredState()
        state.pods[pod.metadata.uid] = DesiredPod(pod: pod, file: "\(dir)/pods.yaml", specJSON: "{}")
        await controller.apply(state)
        await controller.waitIdle()
        pod.spec.containers[0].readinessProbe = NodeControllerTests.probed("x", readiness: true).spec.containers[0].readinessProbe
        return (pod, try await runtime.observePod(pod.metadata.uid))
    }

    @Test func aRunningProbedContainerGetsAWorkerWhoseResultSyncsThePod() async throws {
        let (pod, observed) = try await runPod()
        let app = try #require(observed.latest("app"))
        await manager.update(pod, observed)
        #expect(await manager.probedContainers(pod.metadata.uid) == [app.id], "plain has no probe, so no worker")
        #expect(await eventually { await synced.uids.contains(pod.metadata.uid) }, "the first result syncs the pod")
        #expect(await manager.states().isReady(app.id, pod.spec.containers[0]))

        await manager.update(pod, observed)
        #expect(await manager.probedContainers(pod.metadata.uid) == [app.id], "an update keeps the running worker")
    }

    @Test func aWorkerStopsWhenItsContainerStopsAndWhenThePodGoes() async throws {
        let (pod, observed) = try await runPod()
        let app = try #require(observed.latest("app"))
        await manager.update(pod, observed)
        #expect(await eventually { await manager.states().isReady(app.id, pod.spec.containers[0]) })

        await runtime.exit(app.id, code: 1)
        await manager.update(pod, try await runtime.observePod(pod.metadata.uid))
        #expect(await manager.probedContainers(pod.metadata.uid).isEmpty)
        #expect(await manager.states() == ProbeStates(), "a stopped container's results are forgotten")

        await controller.relist()
        await controller.waitIdle()
        let restarted = try await runtime.observePod(pod.metadata.uid)
        let next = try #require(restarted.latest("app"))
        #expect(next.id != app.id && next.state == .running)
        await manager.update(pod, restarted)
        #expect(await manager.probedContainers(pod.metadata.uid) == [next.id], "the new instance gets a worker")
        await manager.stop(pod.metadata.uid)
        #expect(await manager.probedContainers(pod.metadata.uid).isEmpty)
        #expect(await manager.states() == ProbeStates())
    }
}
