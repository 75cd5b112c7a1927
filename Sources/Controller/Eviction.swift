import CRI
import KubeAPI

/// An evicted pod: the message of its status and the manifest JSON it was evicted under.
struct Eviction: Sendable, Equatable {
    var message: String
    var specJSON: String
}

/// kubelet's eviction manager for the one local-storage limit a pod declares itself: an emptyDir
/// on disk whose usage exceeds its `sizeLimit` evicts the pod (phase Failed, reason Evicted, its
/// containers killed, its sandbox stopped). The pod stays Failed until its manifest changes;
/// the eviction is read back from the pod's recorded status after a daemon restart.
extension NodeController {
    /// The eviction in force for the pod, if its manifest is the one it was evicted under.
    func evictionMessage(_ uid: String, _ want: DesiredPod) async -> String? {
        if evictions[uid] == nil, let record = await status.recorded(uid), record.reason == "Evicted" {
            evictions[uid] = Eviction(message: record.message, specJSON: record.specJSON)
        }
        guard let eviction = evictions[uid] else { return nil }
        guard eviction.specJSON == want.specJSON else {
            evictions[uid] = nil
            return nil
        }
        return eviction.message
    }

    /// Measures the disk emptyDirs that have a sizeLimit (one runtime call per such pod) and
    /// evicts the pods over it.
    func checkEmptyDirLimits() async {
        for (uid, want) in desired.sorted(by: { $0.key < $1.key }) where evictions[uid] == nil {
            let limits = emptyDirLimits(want.pod)
            guard !limits.isEmpty else { continue }
            let sandboxes = (try? await runtime.listPodSandbox(PodSandboxFilter(labelSelector: [KubeLabels.podUID: uid]))) ?? []
            guard let sandbox = sandboxes.last(where: { $0.state == .ready }) else { continue }
            let usage: [String: Int64]
            do {
                usage = try await runtime.podSandboxVolumeUsage(sandbox.id)
            } catch {
                logger.error("volume usage of pod \(want.pod.metadata.name): \(error)")
                continue
            }
            guard let over = limits.first(where: { (usage[$0.name] ?? 0) > $0.limit.value }) else { continue }
            let message = "Usage of EmptyDir volume \"\(over.name)\" exceeds the limit \"\(over.limit.text)\"."
            logger.warning("evicting pod \(want.pod.metadata.namespace)/\(want.pod.metadata.name): \(message)")
            evictions[uid] = Eviction(message: message, specJSON: want.specJSON)
            await recordEvent(want.pod, "Warning", "Evicted", message)
            schedule(uid)
        }
    }

    /// The pod's emptyDir volumes on disk with a sizeLimit, in spec order (memory ones are a
    /// tmpfs of that size: they cannot exceed it).
    func emptyDirLimits(_ pod: Pod) -> [(name: String, limit: Quantity)] {
        pod.spec.volumes.compactMap { volume in
            guard let dir = volume.emptyDir, dir.medium != "Memory", let limit = dir.sizeLimit, limit.value > 0 else { return nil }
            return (volume.name, limit)
        }
    }
}
