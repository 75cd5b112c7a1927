import CRI
import Controller
import Glibc
import KubeAPI
import Logging
import StateStore
import SwkSupport
import Testing
import TestSupport

/// The controller against the recording fake runtime and a real state database: what it asks
/// the runtime to do, and what it records, as containers start, crash and go away.
struct NodeControllerTests: ControllerFixtureTest {
    let fixture: ControllerFixture

    init() throws {
        fixture = try ControllerFixture()
    }

    func desired(_ pods: Pod...) -> DesiredState {
        var state = DesiredState()
        for pod in pods { state.pods[pod.metadata.uid] = DesiredPod(pod: pod, file: "\(dir)/pods.yaml", specJSON: "{}") }
        return state
    }

    static func pod(_ name: String, _ policy: RestartPolicy = .always, image: String = "localhost/swkube-demo:1.0") -> Pod {
        var c = KubeAPI.Container(name: "app", image: image)
        c.command = ["sleep", "1000"]
        var spec = PodSpec(containers: [c])
        spec.restartPolicy = policy
        spec.terminationGracePeriodSeconds = 7
        var meta = ObjectMeta(name: name)
        meta.uid = Pod.derivedUID(namespace: "default", name: name)
        return Pod(metadata: meta, spec: spec)
    }

    func sync() async {
        await controller.relist()
        await controller.waitIdle()
    }

    func record(_ name: String) throws -> PodRecord? {
        try store.pod(namespace: "default", name: name)
    }

    @Test func aPodIsCreatedStartedAndRecordedRunning() async throws {
        await controller.apply(desired(Self.pod("web")))
        await controller.waitIdle()
        #expect(await runtime.takeCalls() == ["runPodSandbox web", "createContainer app restart=0", "startContainer app"])
        let rec = try #require(try record("web"))
        #expect(rec.phase == .running)
        #expect(rec.containers.first?.state == .running)
        #expect(try store.events(podUID: rec.uid).map(\.reason).contains("Started"))
        // The cgroups are recorded as the runtime reported them (its status info), for swkubectl top.
        let app = try #require(await runtime.running("app"))
        #expect(rec.cgroupPath.hasPrefix("/fake/sb"))
        #expect(rec.containers.first?.cgroupPath == "\(rec.cgroupPath)/\(app.id)")
    }

    @Test func crashLoopRestartsImmediatelyThenBacksOffThenRestarts() async throws {
        let pod = Self.pod("crash")
        await controller.apply(desired(pod))
        await controller.waitIdle()
        _ = await runtime.takeCalls()

        let first = try #require(await runtime.running("app"))
        await runtime.exit(first.id, code: 1)
        await sync()
        #expect(await runtime.takeCalls().contains("createContainer app restart=1"))
        #expect(try record("crash")?.containers.first?.restartCount == 1)

        let second = try #require(await runtime.running("app"))
        await runtime.exit(second.id, code: 1)
        await sync()
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("createContainer") }.isEmpty)
        let waiting = try #require(try record("crash")?.containers.first)
        #expect(waiting.reason == "CrashLoopBackOff")
        #expect(waiting.lastExitCode == 1)
        #expect(try record("crash")?.phase == .running)

        clock.advance(seconds: 11)
        await sync()
        #expect(await runtime.takeCalls().contains("createContainer app restart=2"))
        #expect(try record("crash")?.containers.first?.restartCount == 2)
    }

    @Test func underNeverTheExitCodeEndsThePod() async throws {
        await controller.apply(desired(Self.pod("once", .never)))
        await controller.waitIdle()
        let c = try #require(await runtime.running("app"))
        await runtime.exit(c.id, code: 3)
        await sync()
        let rec = try #require(try record("once"))
        #expect(rec.phase == .failed)
        #expect(rec.containers.first?.state == .terminated)
        #expect(rec.containers.first?.reason == "Error")
        #expect(rec.containers.first?.exitCode == 3)
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("createContainer") } == ["createContainer app restart=0"])
    }

    @Test func aRemovedManifestStopsWithGraceAndForgetsThePod() async throws {
        await controller.apply(desired(Self.pod("gone"), Self.pod("stays")))
        await controller.waitIdle()
        _ = await runtime.takeCalls()
        await controller.apply(desired(Self.pod("stays")))
        await controller.waitIdle()
        let calls = await runtime.takeCalls()
        #expect(calls.contains("stopContainer app timeout=7"))
        #expect(calls.contains { $0.hasPrefix("removePodSandbox") })
        #expect(try record("gone") == nil)
        #expect(try record("stays")?.phase == .running)
    }

    @Test func aMissingImageIsErrImagePullAndOtherPodsRun() async throws {
        await controller.apply(desired(Self.pod("nope", image: "example.com/missing:1"), Self.pod("fine")))
        await controller.waitIdle()
        let rec = try #require(try record("nope"))
        #expect(rec.phase == .pending)
        #expect(rec.containers.first?.reason == "ErrImagePull")
        #expect(rec.containers.first?.message.contains("no registry reachable") == true)
        #expect(try record("fine")?.phase == .running)
    }

    @Test func aFailedPullBacksOffAsImagePullBackOffWithTheCrashLoopDelays() async throws {
        await controller.apply(desired(Self.pod("nope", image: "example.com/missing:1")))
        await controller.waitIdle()
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("pullImage") }.count == 1)
        #expect(try record("nope")?.containers.first?.reason == "ErrImagePull")
        // The next look finds the backoff running: no pull, the reason says so with the cause.
        await sync()
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("pullImage") }.isEmpty)
        let waiting = try #require(try record("nope")?.containers.first)
        #expect(waiting.reason == "ImagePullBackOff")
        #expect(waiting.message.contains("no registry reachable"))
        clock.advance(seconds: 10)
        await sync()
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("pullImage") }.count == 1)
        #expect(try record("nope")?.containers.first?.reason == "ErrImagePull")
        // The delay doubles: 10 s later it still waits, 20 s later it pulls again.
        await sync()
        clock.advance(seconds: 10)
        await sync()
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("pullImage") }.isEmpty)
        #expect(try record("nope")?.containers.first?.reason == "ImagePullBackOff")
        clock.advance(seconds: 10)
        await sync()
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("pullImage") }.count == 1)
    }

    @Test func aCommandChangeReplacesTheContainer() async throws {
        var pod = Self.pod("edit")
        await controller.apply(desired(pod))
        await controller.waitIdle()
        _ = await runtime.takeCalls()
        pod.spec.containers[0].command = ["sleep", "5"]
        await controller.apply(desired(pod))
        await controller.waitIdle()
        let calls = await runtime.takeCalls()
        #expect(calls.contains("stopContainer app timeout=7"))
        #expect(calls.contains("createContainer app restart=1"))
        #expect(!calls.contains { $0.hasPrefix("runPodSandbox") })
    }

    @Test func aRestartedControllerTouchesNothingBeforeItsFirstSnapshotThenRemovesOrphans() async throws {
        await controller.apply(desired(Self.pod("kept"), Self.pod("orphan")))
        await controller.waitIdle()
        _ = await runtime.takeCalls()

        let restarted = try ControllerFixture.makeController(runtime: runtime, clock: clock, dir: dir)
        await restarted.relist()
        await restarted.waitIdle()
        #expect(await runtime.takeCalls().isEmpty, "no snapshot yet: every pod would look orphaned")

        await restarted.apply(desired(Self.pod("kept")))
        await restarted.waitIdle()
        await restarted.relist()
        await restarted.waitIdle()
        let calls = await runtime.takeCalls()
        #expect(calls.filter { $0.hasPrefix("stopContainer") }.count == 1, "\(calls)")
        #expect(!calls.contains { $0.hasPrefix("createContainer") }, "the kept pod is adopted, not restarted")
        #expect(try record("orphan") == nil)
        #expect(try record("kept")?.phase == .running)
    }

    @Test func aPodPastItsActiveDeadlineIsKilledAndFailed() async throws {
        var pod = Self.pod("deadline")
        pod.spec.activeDeadlineSeconds = 30
        await controller.apply(desired(pod))
        await controller.waitIdle()
        #expect(try record("deadline")?.phase == .running)
        _ = await runtime.takeCalls()
        clock.advance(seconds: 31)
        await sync()
        let rec = try #require(try record("deadline"))
        #expect(rec.phase == .failed)
        #expect(rec.reason == "DeadlineExceeded")
        let calls = await runtime.takeCalls()
        #expect(calls.contains("stopContainer app timeout=7"))
        #expect(!calls.contains { $0.hasPrefix("createContainer") })
        #expect(try store.events(podUID: rec.uid).contains { $0.reason == "DeadlineExceeded" })
    }

    @Test func anInitContainerRunsToCompletionBeforeTheAppStarts() async throws {
        var pod = Self.pod("init")
        var setup = KubeAPI.Container(name: "setup", image: "localhost/swkube-demo:1.0")
        setup.command = ["true"]
        pod.spec.initContainers = [setup]
        await controller.apply(desired(pod))
        await controller.waitIdle()
        #expect(await runtime.takeCalls() == ["runPodSandbox init", "createContainer setup restart=0", "startContainer setup"])
        #expect(try record("init")?.phase == .pending)
        let running = try #require(await runtime.running("setup"))
        await runtime.exit(running.id, code: 0)
        await sync()
        #expect(await runtime.takeCalls() == ["createContainer app restart=0", "startContainer app"])
        let rec = try #require(try record("init"))
        #expect(rec.phase == .running)
        #expect(rec.containers.map(\.isInit) == [true, false])
        #expect(rec.containers.first?.reason == "Completed")
    }

    static func probed(_ name: String, readiness: Bool) -> Pod {
        var pod = Self.pod(name)
        var probe = Probe(handler: {
            var h = ProbeHandler()
            h.exec = ExecAction(command: [readiness ? "ready-check" : "live-check"])
            return h
        }())
        probe.periodSeconds = 5
        if readiness { pod.spec.containers[0].readinessProbe = probe } else { pod.spec.containers[0].livenessProbe = probe }
        return pod
    }

    @Test func readinessFlipsReadyWithoutRestarting() async throws {
        await runtime.setExitCode("ready-check", 1)
        await controller.apply(desired(Self.probed("ready", readiness: true)))
        await controller.waitIdle()
        #expect(await eventually { await runtime.execCount >= 1 })
        #expect(try await eventually { try record("ready")?.containers.first.map { !$0.ready && $0.state == .running } ?? false })
        #expect(try record("ready")?.phase == .running)

        await runtime.setExitCode("ready-check", 0)
        clock.advance(seconds: 5)
        #expect(try await eventually { try record("ready")?.containers.first?.ready == true })
        await runtime.setExitCode("ready-check", 1)
        for _ in 0..<3 {
            let before = await runtime.execCount
            clock.advance(seconds: 5)
            _ = await eventually { await runtime.execCount > before }
        }
        #expect(try await eventually { try record("ready")?.containers.first?.ready == false })
        #expect(try record("ready")?.containers.first?.restartCount == 0)
        #expect(!(await runtime.takeCalls()).contains { $0.hasPrefix("stopContainer") })
    }

    @Test func aFailingLivenessProbeRestartsTheContainer() async throws {
        await runtime.setExitCode("live-check", 1)
        await controller.apply(desired(Self.probed("live", readiness: false)))
        await controller.waitIdle()
        _ = await runtime.takeCalls()
        #expect(await eventually { await runtime.execCount >= 1 })
        for _ in 0..<2 {
            let before = await runtime.execCount
            clock.advance(seconds: 5)
            _ = await eventually { await runtime.execCount > before }
        }
        #expect(await eventually { await runtime.calls.contains { $0.hasPrefix("stopContainer app") } })
        await sync()
        #expect(await runtime.takeCalls().contains("createContainer app restart=1"))
        let events = try store.events(podUID: Pod.derivedUID(namespace: "default", name: "live"))
        #expect(events.contains { $0.reason == "Unhealthy" && $0.message.hasPrefix("Liveness probe failed") })
        #expect(events.contains { $0.reason == "Killing" && $0.message.contains("failed liveness probe") })
    }

    @Test func hooksRunAfterStartAndBeforeStop() async throws {
        var pod = Self.pod("hooks")
        var lifecycle = Lifecycle()
        var post = ProbeHandler()
        post.exec = ExecAction(command: ["post-start"])
        var pre = ProbeHandler()
        pre.exec = ExecAction(command: ["pre-stop"])
        lifecycle.postStart = post
        lifecycle.preStop = pre
        pod.spec.containers[0].lifecycle = lifecycle
        await controller.apply(desired(pod))
        await controller.waitIdle()
        #expect(await runtime.execCount == 1, "postStart ran")
        #expect(try record("hooks")?.phase == .running)
        await controller.apply(desired())
        await controller.waitIdle()
        #expect(await runtime.execCount == 2, "preStop ran before the stop")
        #expect(await runtime.takeCalls().contains("stopContainer app timeout=7"))
    }

    @Test func aFailedPostStartHookKillsTheContainer() async throws {
        var pod = Self.pod("badhook")
        var lifecycle = Lifecycle()
        var post = ProbeHandler()
        post.exec = ExecAction(command: ["post-start"])
        lifecycle.postStart = post
        pod.spec.containers[0].lifecycle = lifecycle
        await runtime.setExitCode("post-start", 1)
        await controller.apply(desired(pod))
        await controller.waitIdle()
        let calls = await runtime.takeCalls()
        #expect(calls.contains("stopContainer app timeout=7"))
        let events = try store.events(podUID: pod.metadata.uid)
        #expect(events.contains { $0.reason == "FailedPostStartHook" })
    }

    @Test func aRejectedManifestIsAnEventOnceAndABackOffIsAnEvent() async throws {
        var state = desired(Self.pod("loop"))
        state.errors = [ManifestErrorRecord(file: "\(dir)/bad.yaml", line: 3, message: "spec.containers[0].image: Required value", observedAt: 0)]
        await controller.apply(state)
        await controller.apply(state)
        await controller.waitIdle()
        let invalid = try store.events().filter { $0.reason == "InvalidManifest" }
        #expect(invalid.count == 1 && invalid.first?.count == 1)
        #expect(invalid.first?.message == "\(dir)/bad.yaml:3: spec.containers[0].image: Required value")

        for _ in 0..<2 {
            let c = try #require(await runtime.running("app"))
            await runtime.exit(c.id, code: 1)
            await sync()
        }
        #expect(try store.events(podUID: Pod.derivedUID(namespace: "default", name: "loop")).contains { $0.reason == "BackOff" })
    }
}
