import CRI
import KubeAPI

/// The CNI spec's CHECK for running sandboxes. kubelet re-creates a sandbox whose network the
/// runtime reports broken (NOTREADY); swkube asks its runtime for CHECK itself: thoroughly for a
/// sandbox it adopted after a restart (every plugin's CHECK), cheaply for the others at each
/// housekeeping (the host side of the attachment still exists — no process spawned). A failure is
/// a Warning event with the plugin's error, and the sandbox then counts as not ready, so the next
/// sync kills the pod (with its grace period) and re-creates it.
extension NodeController {
    func checkSandboxNetworks(_ sandboxes: [PodSandbox]) async {
        for sandbox in sandboxes where sandbox.state == .ready && !brokenNetworks.contains(sandbox.id) {
            guard let want = desired[sandbox.metadata.uid], !want.pod.spec.hostNetwork, evictions[sandbox.metadata.uid] == nil else { continue }
            let thorough = !networkChecked.contains(sandbox.id)
            do {
                try await runtime.checkPodSandboxNetwork(sandbox.id, thorough: thorough)
                if thorough { networkChecked.insert(sandbox.id) }
            } catch {
                logger.warning("network of pod \(want.pod.metadata.namespace)/\(want.pod.metadata.name) is broken: \(error)")
                brokenNetworks.insert(sandbox.id)
                await recordEvent(want.pod, "Warning", "FailedCheckPodSandBoxNetwork",
                                  "Pod sandbox network check failed, it will be killed and re-created: \(error)")
                schedule(sandbox.metadata.uid)
            }
        }
    }
}
