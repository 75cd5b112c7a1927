import CRI
import Controller
import Glibc
import KubeAPI
import Logging
import StateStore
import SwkSupport
import Testing
import TestSupport

/// preStop hooks run through ExecSync before StopContainer, also when the manifest is gone.
struct PreStopTests: ControllerFixtureTest {
    let fixture: ControllerFixture

    init() throws {
        fixture = try ControllerFixture()
    }

    func pod(_ hook: ProbeHandler?) -> Pod {
        var c = KubeAPI.Container(name: "app", image: "localhost/swkube-demo:1.0")
        c.command = ["sleep", "1000"]
        if let hook {
            var lifecycle = Lifecycle()
            lifecycle.preStop = hook
            c.lifecycle = lifecycle
        }
        var spec = PodSpec(containers: [c])
        spec.terminationGracePeriodSeconds = 7
        var meta = ObjectMeta(name: "web")
        meta.uid = Pod.derivedUID(namespace: "default", name: "web")
        return Pod(metadata: meta, spec: spec)
    }

    /// Runs the pod, deletes its manifest, and returns the runtime calls of the teardown.
    func teardownCalls(_ hook: ProbeHandler?) async -> [String] {
        var state = DesiredState()
        let p = pod(hook)
        state.pods[p.metadata.uid] = DesiredPod(pod: p, file: "\(dir)/web.yaml", specJSON: "{}")
        await controller.apply(state)
        await controller.waitIdle()
        _ = await runtime.takeCalls()
        await controller.apply(DesiredState())
        await controller.waitIdle()
        return await runtime.takeCalls().filter { $0.hasPrefix("execSync") || $0.hasPrefix("stopContainer") }
    }

    static func exec(_ command: [String]) -> ProbeHandler {
        var h = ProbeHandler()
        h.exec = ExecAction(command: command)
        return h
    }

    @Test func anExecHookRunsBeforeTheStopEvenWhenTheManifestIsGone() async throws {
        defer { try? FS.removeTree(dir) }
        let calls = await teardownCalls(Self.exec(["sh", "-c", "nginx -s quit"]))
        #expect(calls == ["execSync app sh -c nginx -s quit timeout=7", "stopContainer app timeout=7"])
    }

    @Test func withoutAHookTheStopGetsTheWholeGracePeriod() async throws {
        defer { try? FS.removeTree(dir) }
        #expect(await teardownCalls(nil) == ["stopContainer app timeout=7"])
    }

    @Test func aSleepHookNeedsNoExecAndLeavesTheRestOfTheGracePeriod() async throws {
        defer { try? FS.removeTree(dir) }
        var h = ProbeHandler()
        h.sleep = SleepAction(seconds: 3)
        var state = DesiredState()
        let p = pod(h)
        state.pods[p.metadata.uid] = DesiredPod(pod: p, file: "\(dir)/web.yaml", specJSON: "{}")
        await controller.apply(state)
        await controller.waitIdle()
        _ = await runtime.takeCalls()
        let (controller, clock) = (self.controller, self.clock)
        let teardown = Task {
            await controller.apply(DesiredState())
            await controller.waitIdle()
        }
        #expect(await eventually { clock.sleepers > 0 }, "the hook sleeps on the node clock")
        clock.advance(seconds: 3)
        await teardown.value
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("stopContainer") } == ["stopContainer app timeout=4"])
    }

    @Test func aFailingHookIsAnEventAndTheStopGoesOn() async throws {
        defer { try? FS.removeTree(dir) }
        await runtime.answerExec(code: 3, stderr: "no such process")
        var state = DesiredState()
        let p = pod(Self.exec(["false"]))
        state.pods[p.metadata.uid] = DesiredPod(pod: p, file: "\(dir)/web.yaml", specJSON: "{}")
        await controller.apply(state)
        await controller.waitIdle()
        // An edit of the container replaces it: the old one gets its hook, with the pod at hand.
        var edited = p
        edited.spec.containers[0].command = ["sleep", "2000"]
        state.pods[p.metadata.uid] = DesiredPod(pod: edited, file: "\(dir)/web.yaml", specJSON: "{}")
        _ = await runtime.takeCalls()
        await controller.apply(state)
        await controller.waitIdle()
        let calls = await runtime.takeCalls()
        #expect(calls.contains("execSync app false timeout=7"))
        #expect(calls.contains("stopContainer app timeout=7"))
        let events = try store.events(podUID: p.metadata.uid)
        let failed = try #require(events.first { $0.reason == "FailedPreStopHook" })
        #expect(failed.message == "PreStopHook failed for container app: command [\"false\"] exited with status 3: no such process")
    }
}
