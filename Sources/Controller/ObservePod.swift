import CRI
import KubeAPI

extension RuntimeService {
    /// Everything the runtime holds for the pod with this uid. Sandboxes in `brokenNetworks`
    /// (their network check failed) count as not ready, so the sync re-creates them.
    func observePod(_ uid: String, brokenNetworks: Set<String> = []) async throws -> ObservedPod {
        let selector = [KubeLabels.podUID: uid]
        var sandboxes: [PodSandboxStatus] = []
        for sandbox in try await listPodSandbox(PodSandboxFilter(labelSelector: selector)) {
            var status = try await podSandboxStatus(sandbox.id)
            if brokenNetworks.contains(sandbox.id) { status.state = .notReady }
            sandboxes.append(status)
        }
        var containers: [ContainerStatus] = []
        for container in try await listContainers(ContainerFilter(labelSelector: selector)) {
            containers.append(try await containerStatus(container.id))
        }
        return ObservedPod(sandboxes: sandboxes, containers: containers)
    }
}
