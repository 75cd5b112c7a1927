@testable import Controller
import KubeAPI
import Testing

/// The pod cgroup's limits as kubelet computes them from the containers.
struct PodResourcesTests {
    func container(_ name: String, requests: [String: String] = [:], limits: [String: String] = [:],
                   sidecar: Bool = false) throws -> KubeAPI.Container {
        var c = KubeAPI.Container(name: name, image: "i")
        c.resources.requests = try requests.mapValues { try Quantity.parse($0) }
        c.resources.limits = try limits.mapValues { try Quantity.parse($0) }
        if sidecar { c.restartPolicy = .always }
        return c
    }

    func pod(_ containers: [KubeAPI.Container], init initContainers: [KubeAPI.Container] = []) -> Pod {
        var spec = PodSpec(containers: containers)
        spec.initContainers = initContainers
        return Pod(metadata: ObjectMeta(name: "p"), spec: spec)
    }

    @Test func sharesFollowTheSumOfRequestsAndLimitsNeedEveryContainer() throws {
        let p = pod([try container("a", requests: ["cpu": "250m"], limits: ["cpu": "1", "memory": "64Mi"]),
                     try container("b", limits: ["cpu": "500m", "memory": "32Mi"])])
        let r = PodResources.linux(for: p)
        // b's request defaults to its limit: 250m + 500m.
        #expect(r.cpuShares == 750 * 1024 / 1000)
        #expect(r.cpuPeriod == 100_000 && r.cpuQuota == 150_000)
        #expect(r.memoryLimitInBytes == 96 << 20)
    }

    @Test func oneUnlimitedContainerLeavesThePodUnlimited() throws {
        let r = PodResources.linux(for: pod([try container("a", limits: ["cpu": "1", "memory": "64Mi"]),
                                              try container("b")]))
        #expect(r.cpuQuota == 0)
        #expect(r.memoryLimitInBytes == 0)
        #expect(r.cpuShares == 1024)
        // A pod that asks for nothing gets kubelet's minimum shares.
        #expect(PodResources.linux(for: pod([try container("c")])).cpuShares == 2)
    }

    @Test func initContainersCountAsTheirLargestAndSidecarsAsRunning() throws {
        let app = try container("app", limits: ["memory": "64Mi", "cpu": "100m"])
        let bigInit = try container("setup", limits: ["memory": "256Mi", "cpu": "100m"])
        #expect(PodResources.linux(for: pod([app], init: [bigInit])).memoryLimitInBytes == 256 << 20)
        let sidecar = try container("log", limits: ["memory": "16Mi", "cpu": "100m"], sidecar: true)
        #expect(PodResources.linux(for: pod([app], init: [sidecar])).memoryLimitInBytes == 80 << 20)
    }
}
