import CRI
import KubeAPI

/// The pod cgroup's limits as kubelet sets them (ResourceConfigForPod): CPU shares from the sum of
/// the containers' CPU requests, so that pods share the CPU in proportion to what they asked for;
/// a CFS quota and a memory limit only when every container declares that limit (one unlimited
/// container leaves the pod unlimited). Init containers run before the app containers, so a pod
/// needs the larger of the app containers' sum (sidecars included: they keep running) and the
/// largest one-off init container.
public enum PodResources {
    public static func linux(for pod: Pod) -> LinuxContainerResources {
        let spec = pod.spec
        let sidecars = spec.initContainers.filter { $0.restartPolicy == .always }
        let oneOff = spec.initContainers.filter { $0.restartPolicy != .always }
        let running = spec.containers + sidecars
        let all = running + oneOff

        func total(_ value: (KubeAPI.Container) -> Int64) -> Int64 {
            max(running.reduce(0) { $0 + value($1) }, oneOff.map(value).max() ?? 0)
        }
        var r = LinuxContainerResources()
        // An unset request defaults to the limit, as the API server defaults it.
        let cpuRequest = total { ($0.resources.requests["cpu"] ?? $0.resources.limits["cpu"])?.milliValue ?? 0 }
        r.cpuShares = max(2, cpuRequest * 1024 / 1000)
        if all.allSatisfy({ $0.resources.cpuLimitMillis != nil }) {
            r.cpuPeriod = 100_000
            r.cpuQuota = max(1000, total { $0.resources.cpuLimitMillis ?? 0 } * 100)
        }
        if all.allSatisfy({ $0.resources.memoryLimitBytes != nil }) {
            r.memoryLimitInBytes = total { $0.resources.memoryLimitBytes ?? 0 }
        }
        return r
    }
}
