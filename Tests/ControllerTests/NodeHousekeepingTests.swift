import CRI
import Controller
import KubeAPI
import StateStore
import Testing
import TestSupport

// The controller's newer duties against the fake runtime: env from the directory's objects,
// emptyDir eviction, and CNI CHECK of running sandboxes.
extension NodeControllerTests {
    @Test func envFromAMissingConfigMapWaitsAsAConfigErrorUntilTheObjectAppears() async throws {
        var pod = Self.pod("env-demo")
        var source = EnvFromSource()
        source.configMapRef = ObjectReference(name: "settings")
        pod.spec.containers[0].envFrom = [source]
        var state = desired(pod)
        await controller.apply(state)
        await controller.waitIdle()
        let waiting = try #require(try record("env-demo")?.containers.first)
        #expect(waiting.reason == "CreateContainerConfigError")
        #expect(waiting.message == "configmap \"settings\" not found")
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("createContainer") }.isEmpty)

        var cm = ConfigMap(metadata: ObjectMeta(name: "settings"))
        cm.data = ["MODE": "fast", "not valid": "x"]
        state.pods[pod.metadata.uid]?.objects = PodConfigObjects(configMaps: ["settings": cm])
        await controller.apply(state)
        await controller.waitIdle()
        #expect(try record("env-demo")?.phase == .running)
        #expect(await runtime.createdEnvs["app"] == [KeyValue(key: "MODE", value: "fast")])
        let events = try store.events(podUID: pod.metadata.uid)
        #expect(events.contains { $0.reason == "InvalidEnvironmentVariableNames" && $0.message.contains("Keys [not valid]") })
    }
}

extension NodeControllerTests {
    static func withScratch(_ name: String, limit: String = "1Mi") -> Pod {
        var pod = Self.pod(name)
        var scratch = Volume(name: "scratch")
        var dir = EmptyDirVolumeSource()
        dir.sizeLimit = try? Quantity.parse(limit)
        scratch.emptyDir = dir
        pod.spec.volumes = [scratch]
        pod.spec.containers[0].volumeMounts = [VolumeMount(name: "scratch", mountPath: "/scratch")]
        return pod
    }

    @Test func anEmptyDirOverItsSizeLimitEvictsThePodUntilItsManifestChanges() async throws {
        let pod = Self.withScratch("hog")
        await controller.apply(desired(pod, Self.withScratch("small", limit: "4Mi")))
        await controller.waitIdle()
        await runtime.setVolumeUsage(["scratch": 1 << 20])
        await sync()
        #expect(try record("hog")?.phase == .running, "at the limit is not over it")
        _ = await runtime.takeCalls()

        await runtime.setVolumeUsage(["scratch": (1 << 20) + 4096])
        await sync()
        #expect(!(await runtime.takeCalls()).contains("podSandboxVolumeUsage"), "measured once per period, not per relist")
        clock.advance(seconds: 10)
        await sync()
        let calls = await runtime.takeCalls()
        #expect(calls.filter { $0.hasPrefix("stopContainer") }.count == 1 && calls.filter { $0.hasPrefix("stopPodSandbox") }.count == 1,
                "only the pod over its limit is stopped: \(calls)")
        #expect(try record("small")?.phase == .running)
        let evicted = try #require(try record("hog"))
        #expect(evicted.phase == .failed && evicted.reason == "Evicted")
        #expect(evicted.message == "Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\".")
        #expect(try store.events(podUID: pod.metadata.uid).contains { $0.reason == "Evicted" && $0.message == evicted.message })

        // Nothing restarts it: not a relist, not the backoff, not a daemon restart.
        clock.advance(seconds: 600)
        await sync()
        let restarted = try ControllerFixture.makeController(runtime: runtime, clock: clock, dir: dir)
        await runtime.setVolumeUsage([:])
        await restarted.apply(desired(pod, Self.withScratch("small", limit: "4Mi")))
        await restarted.waitIdle()
        await restarted.relist()
        await restarted.waitIdle()
        #expect(!(await runtime.takeCalls()).contains { $0.hasPrefix("createContainer") || $0.hasPrefix("runPodSandbox") })
        #expect(try record("hog")?.reason == "Evicted")

        // An edited manifest is a new pod.
        var edited = desired(Self.withScratch("hog", limit: "2Mi"), Self.withScratch("small", limit: "4Mi"))
        edited.pods[pod.metadata.uid]?.specJSON = "{\"edited\":true}"
        await restarted.apply(edited)
        await restarted.waitIdle()
        #expect(await runtime.takeCalls().contains("runPodSandbox hog"))
        #expect(try record("hog")?.phase == .running && (try record("hog")?.reason ?? "") == "")
    }
}

extension NodeControllerTests {
    @Test func aBrokenPodNetworkIsAnEventAndTheSandboxIsRecreated() async throws {
        await controller.apply(desired(Self.pod("web"), Self.pod("other")))
        await controller.waitIdle()
        await sync()
        var calls = await runtime.takeCalls()
        #expect(await runtime.takeNetworkChecks().sorted() == ["other thorough=false", "web thorough=false"],
                "sandboxes this daemon attached get the cheap check")

        await runtime.breakNetwork(of: "web", "cni plugin bridge CHECK: failed to find host interface veth1")
        clock.advance(seconds: 10)
        await sync()
        await sync()
        calls = await runtime.takeCalls()
        #expect(calls.filter { $0.hasPrefix("runPodSandbox") } == ["runPodSandbox web"], "\(calls)")
        #expect(calls.filter { $0.hasPrefix("stopContainer") }.count == 1, "only web's container is stopped: \(calls)")
        let uid = Self.pod("web").metadata.uid
        let events = try store.events(podUID: uid)
        #expect(events.contains { $0.reason == "FailedCheckPodSandBoxNetwork" && $0.message.hasSuffix("failed to find host interface veth1") })
        #expect(events.contains { $0.reason == "SandboxChanged" })
        let web = try #require(try record("web"))
        #expect(web.phase == .running && web.containers.first?.restartCount == 1)

        // After a daemon restart, the adopted sandboxes get the thorough CHECK once.
        _ = await runtime.takeNetworkChecks()
        let restarted = try ControllerFixture.makeController(runtime: runtime, clock: clock, dir: dir)
        await restarted.apply(desired(Self.pod("web"), Self.pod("other")))
        await restarted.waitIdle()
        await restarted.relist()
        await restarted.waitIdle()
        calls = await runtime.takeCalls()
        #expect(await runtime.takeNetworkChecks().sorted() == ["other thorough=true", "web thorough=true"])
        #expect(!calls.contains { $0.hasPrefix("createContainer") || $0.hasPrefix("runPodSandbox") })
        clock.advance(seconds: 10)
        await restarted.relist()
        await restarted.waitIdle()
        let later = await runtime.takeNetworkChecks()
        #expect(later.count == 2 && later.allSatisfy { $0.hasSuffix("thorough=false") }, "\(later)")
    }
}
