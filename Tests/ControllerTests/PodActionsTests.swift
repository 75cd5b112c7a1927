import CRI
import Controller
import KubeAPI
import Testing

/// computePodActions as a table: each scenario's name reads as the rule it checks
/// (after kubelet's TestComputePodActions, in our own words).
struct PodActionsTests {
    static let now: Int64 = 1_000_000 * nanosPerSecond

    static func pod(_ policy: RestartPolicy = .always, containers: [String] = ["app"], command: [String] = ["sleep", "1000"]) -> Pod {
        var spec = PodSpec(containers: containers.map {
            var c = KubeAPI.Container(name: $0, image: "localhost/swkube-demo:1.0")
            c.command = command
            return c
        })
        spec.restartPolicy = policy
        var meta = ObjectMeta(name: "web")
        meta.uid = "uid-1"
        return Pod(metadata: meta, spec: spec)
    }

    static func sandbox(for pod: Pod, ready: Bool = true) -> PodSandboxStatus {
        var s = PodSandboxStatus(id: "sb1", metadata: PodSandboxMetadata(name: pod.metadata.name, uid: pod.metadata.uid, namespace: "default"),
                                 state: ready ? .ready : .notReady, createdAt: 1)
        s.annotations[SwkubeAnnotations.sandboxHash] = SandboxHash.of(pod)
        return s
    }

    static func instance(_ name: String, of pod: Pod, state: ContainerState, exitCode: Int32 = 0,
                         finishedAt: Int64 = now - nanosPerSecond, startedAt: Int64 = now - 5 * nanosPerSecond,
                         hash: String? = nil, id: String = "c1") -> ContainerStatus {
        var c = ContainerStatus(id: id, metadata: ContainerMetadata(name: name), state: state, createdAt: startedAt,
                                image: ImageSpec(image: "x"))
        c.exitCode = exitCode
        c.startedAt = startedAt
        c.finishedAt = state == .exited ? finishedAt : 0
        c.annotations[KubeLabels.containerHash] = hash ?? pod.spec.containers.first { $0.name == name }?.specHash ?? ""
        return c
    }

    @Test func aNewPodGetsASandboxAndAllItsContainers() {
        let pod = Self.pod(containers: ["a", "b"])
        let actions = computePodActions(desired: pod, observed: ObservedPod(), backoff: Backoff(), now: Self.now)
        #expect(actions.createSandbox)
        #expect(!actions.killPod)
        #expect(actions.containersToStart == ["a", "b"])
    }

    @Test func aRunningPodThatMatchesItsSpecNeedsNothing() {
        let pod = Self.pod()
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: pod)], containers: [Self.instance("app", of: pod, state: .running)])
        let actions = computePodActions(desired: pod, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(actions.isEmpty)
        #expect(!actions.podFinished)
    }

    @Test func aContainerInUnknownStateIsKilledBeforeItsReplacementStartsWhateverThePolicy() {
        // As kubelet: an unknown instance may still run, so it never stays beside a new one.
        let pod = Self.pod(.never)
        var unknown = Self.instance("app", of: pod, state: .unknown)
        unknown.message = "unreadable record"
        let actions = computePodActions(desired: pod, observed: ObservedPod(sandboxes: [Self.sandbox(for: pod)], containers: [unknown]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToKill == ["c1": "container app is in unknown state (unreadable record), will be killed and restarted"])
        #expect(actions.containersToStart == ["app"])
    }

    @Test func anUnknownInstanceWhoseNameIsLostIsKilledAndTheContainerStarted() {
        let pod = Self.pod()
        var nameless = Self.instance("", of: pod, state: .unknown, id: "c9")
        nameless.message = "unreadable record"
        let actions = computePodActions(desired: pod, observed: ObservedPod(sandboxes: [Self.sandbox(for: pod)], containers: [nameless]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToKill == ["c9": "container c9 is in unknown state (unreadable record), will be killed"])
        #expect(actions.containersToStart == ["app"])
    }

    @Test func aDeadSandboxKillsAndRecreatesThePod() {
        let pod = Self.pod()
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: pod, ready: false)], containers: [Self.instance("app", of: pod, state: .running)])
        let actions = computePodActions(desired: pod, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(actions.killPod && actions.createSandbox)
        #expect(actions.sandboxAttempt == 1)
        #expect(actions.containersToStart == ["app"])
    }

    @Test func aPodLevelChangeRecreatesTheSandbox() {
        let old = Self.pod()
        var new = old
        new.spec.hostNetwork = true
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: old)], containers: [Self.instance("app", of: old, state: .running)])
        let actions = computePodActions(desired: new, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(actions.killPod && actions.createSandbox)
    }

    @Test func aChangedContainerIsRestartedAlone() {
        let old = Self.pod(containers: ["a", "b"])
        var new = old
        new.spec.containers[1].command = ["sleep", "5"]
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: old)], containers: [
            Self.instance("a", of: old, state: .running, id: "ca"),
            Self.instance("b", of: old, state: .running, id: "cb"),
        ])
        let actions = computePodActions(desired: new, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(!actions.killPod && !actions.createSandbox)
        #expect(Array(actions.containersToKill.keys) == ["cb"])
        #expect(actions.containersToStart == ["b"])
    }

    @Test func aContainerRemovedFromTheSpecIsKilled() {
        let old = Self.pod(containers: ["a", "b"])
        let new = Self.pod(containers: ["a"])
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: new)], containers: [
            Self.instance("a", of: old, state: .running, id: "ca"),
            Self.instance("b", of: old, state: .running, id: "cb"),
        ])
        let actions = computePodActions(desired: new, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(Array(actions.containersToKill.keys) == ["cb"])
        #expect(actions.containersToStart.isEmpty)
    }

    @Test(arguments: [
        (RestartPolicy.always, Int32(0), true), (.always, 1, true),
        (.onFailure, 0, false), (.onFailure, 2, true),
        (.never, 0, false), (.never, 1, false),
    ])
    func anExitedContainerRestartsPerPolicy(policy: RestartPolicy, exitCode: Int32, restarts: Bool) {
        let pod = Self.pod(policy)
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: pod)],
                                   containers: [Self.instance("app", of: pod, state: .exited, exitCode: exitCode)])
        let actions = computePodActions(desired: pod, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart == (restarts ? ["app"] : []))
        #expect(actions.podFinished == !restarts)
    }

    @Test func aCrashLoopingContainerWaitsForItsBackoff() {
        let pod = Self.pod()
        var backoff = Backoff()
        let key = BackoffKey(podUID: "uid-1", container: "app", specHash: pod.spec.containers[0].specHash)
        backoff.recordRestart(key, now: Self.now - 3 * nanosPerSecond, ranFor: nanosPerSecond)
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: pod)],
                                   containers: [Self.instance("app", of: pod, state: .exited, exitCode: 1)])
        let actions = computePodActions(desired: pod, observed: observed, backoff: backoff, now: Self.now)
        #expect(actions.containersToStart.isEmpty)
        #expect(actions.backingOff["app"] == Self.now - nanosPerSecond + 10 * nanosPerSecond)
        let later = computePodActions(desired: pod, observed: observed, backoff: backoff, now: Self.now + 9 * nanosPerSecond)
        #expect(later.containersToStart == ["app"])
    }

    @Test func anEditedContainerStartsAtOnceDespiteBackoffAndPolicy() {
        let old = Self.pod(.never)
        var new = old
        new.spec.containers[0].args = ["changed"]
        var backoff = Backoff()
        backoff.recordRestart(BackoffKey(podUID: "uid-1", container: "app", specHash: old.spec.containers[0].specHash),
                              now: Self.now, ranFor: 0)
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: old)],
                                   containers: [Self.instance("app", of: old, state: .exited, exitCode: 1)])
        let actions = computePodActions(desired: new, observed: observed, backoff: backoff, now: Self.now)
        #expect(actions.containersToStart == ["app"])
    }

    @Test func aCompletedPodWhoseSandboxDiedIsLeftAlone() {
        let pod = Self.pod(.onFailure)
        let observed = ObservedPod(sandboxes: [Self.sandbox(for: pod, ready: false)],
                                   containers: [Self.instance("app", of: pod, state: .exited, exitCode: 0)])
        let actions = computePodActions(desired: pod, observed: observed, backoff: Backoff(), now: Self.now)
        #expect(actions.isEmpty)
        #expect(actions.podFinished)
    }
}

/// Init containers and sidecars: one at a time, in order, before the app containers.
struct InitContainerActionsTests {
    typealias T = PodActionsTests
    static let now = T.now

    static func pod(_ policy: RestartPolicy = .always, sidecar: Bool = false) -> Pod {
        var pod = T.pod(policy, containers: ["app"])
        for name in ["init-a", "init-b"] {
            var c = KubeAPI.Container(name: name, image: "localhost/swkube-demo:1.0")
            c.command = ["true"]
            if sidecar && name == "init-a" { c.restartPolicy = .always }
            pod.spec.initContainers.append(c)
        }
        return pod
    }

    static func observed(_ pod: Pod, _ instances: [ContainerStatus]) -> ObservedPod {
        ObservedPod(sandboxes: [T.sandbox(for: pod)], containers: instances)
    }

    static func instance(_ name: String, of pod: Pod, _ state: ContainerState, exitCode: Int32 = 0) -> ContainerStatus {
        var c = T.instance(name, of: pod, state: state, exitCode: exitCode, id: "id-\(name)")
        c.annotations[KubeLabels.containerHash] = (pod.spec.initContainers + pod.spec.containers).first { $0.name == name }?.specHash
        return c
    }

    @Test func aNewPodStartsOnlyItsFirstInitContainer() {
        let actions = computePodActions(desired: Self.pod(), observed: ObservedPod(), backoff: Backoff(), now: Self.now)
        #expect(actions.createSandbox)
        #expect(actions.containersToStart == ["init-a"])
    }

    @Test func aRunningInitContainerHoldsEverythingBack() {
        let pod = Self.pod()
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [Self.instance("init-a", of: pod, .running)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.isEmpty)
    }

    @Test func aSucceededInitContainerLetsTheNextOneStart() {
        let pod = Self.pod()
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [Self.instance("init-a", of: pod, .exited)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart == ["init-b"])
    }

    @Test func appContainersStartOnceEveryInitContainerSucceeded() {
        let pod = Self.pod()
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [
            Self.instance("init-a", of: pod, .exited), Self.instance("init-b", of: pod, .exited),
        ]), backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart == ["app"])
    }

    @Test func aFailedInitContainerFailsThePodUnderNever() {
        let pod = Self.pod(.never)
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [Self.instance("init-a", of: pod, .exited, exitCode: 2)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart.isEmpty)
        #expect(actions.podFinished)
    }

    @Test func aFailedInitContainerIsRetriedUnderAlwaysBeforeAnythingElse() {
        let pod = Self.pod(.always)
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [Self.instance("init-a", of: pod, .exited, exitCode: 2)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart == ["init-a"])
    }

    @Test func aRunningSidecarLetsTheNextInitContainerStartAndKeepsRunning() {
        let pod = Self.pod(sidecar: true)
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [Self.instance("init-a", of: pod, .running)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart == ["init-b"])
        #expect(actions.containersToKill.isEmpty)
    }

    @Test func anEditedRunningInitContainerIsKilledBeforeItsReplacementStarts() {
        let old = Self.pod()
        var edited = old
        edited.spec.initContainers[0].command = ["sleep", "1"]
        let actions = computePodActions(desired: edited, observed: Self.observed(edited, [Self.instance("init-a", of: old, .running)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToKill == ["id-init-a": "init container init-a definition changed, will be restarted"])
        #expect(actions.containersToStart == ["init-a"])
    }

    @Test func anInitContainerInUnknownStateIsKilledBeforeItsReplacementStarts() {
        let pod = Self.pod(.never)
        var unknown = Self.instance("init-a", of: pod, .unknown)
        unknown.message = "unreadable record"
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [unknown]), backoff: Backoff(), now: Self.now)
        #expect(actions.containersToKill == ["id-init-a": "init container init-a is in unknown state (unreadable record), will be killed and restarted"])
        #expect(actions.containersToStart == ["init-a"])
    }

    @Test func anEditedExitedInitContainerJustStartsAgain() {
        let old = Self.pod()
        var edited = old
        edited.spec.initContainers[0].command = ["sleep", "1"]
        let actions = computePodActions(desired: edited, observed: Self.observed(edited, [Self.instance("init-a", of: old, .exited)]),
                                        backoff: Backoff(), now: Self.now)
        #expect(actions.containersToKill.isEmpty)
        #expect(actions.containersToStart == ["init-a"])
    }

    @Test func anExitedSidecarIsRestartedEvenWhenThePodSaysNever() {
        let pod = Self.pod(.never, sidecar: true)
        let actions = computePodActions(desired: pod, observed: Self.observed(pod, [
            Self.instance("init-a", of: pod, .exited, exitCode: 0), Self.instance("init-b", of: pod, .exited),
        ]), backoff: Backoff(), now: Self.now)
        #expect(actions.containersToStart.first == "init-a")
    }
}

struct BackoffTests {
    @Test func delaysAreImmediateThenTenSecondsDoublingToTheCap() {
        var backoff = Backoff(policy: BackoffPolicy(initial: 10 * nanosPerSecond, cap: 300 * nanosPerSecond))
        let key = BackoffKey(podUID: "u", container: "c", specHash: "h")
        var delays: [Int64?] = []
        var t: Int64 = 0
        for _ in 0..<8 {
            delays.append(backoff.restartNotBefore(key, finishedAt: t, startedAt: t - nanosPerSecond).map { ($0 - t) / nanosPerSecond })
            backoff.recordRestart(key, now: t, ranFor: nanosPerSecond)
            t += 1000 * nanosPerSecond
        }
        #expect(delays == [nil, 10, 20, 40, 80, 160, 300, 300])
    }

    @Test func tenMinutesOfRunningResetsTheBackoff() {
        var backoff = Backoff()
        let key = BackoffKey(podUID: "u", container: "c", specHash: "h")
        for i in 0..<4 { backoff.recordRestart(key, now: Int64(i), ranFor: nanosPerSecond) }
        let finished: Int64 = 10_000 * nanosPerSecond
        #expect(backoff.restartNotBefore(key, finishedAt: finished, startedAt: finished - 601 * nanosPerSecond) == nil)
        backoff.recordRestart(key, now: finished, ranFor: 601 * nanosPerSecond)
        #expect(backoff.currentDelay(key) == 10 * nanosPerSecond)
    }

    @Test func anEditUsesANewKeySoTheBackoffStartsOver() {
        var backoff = Backoff()
        backoff.recordRestart(BackoffKey(podUID: "u", container: "c", specHash: "old"), now: 0, ranFor: 0)
        #expect(backoff.restartNotBefore(BackoffKey(podUID: "u", container: "c", specHash: "new"), finishedAt: 5, startedAt: 1) == nil)
    }
}
