import CRI
import KubeAPI
import Logging

/// An evicted pod: the message of its status and the manifest JSON it was evicted under.
struct Eviction: Sendable, Equatable {
    var message: String
    var specJSON: String
}

/// Housekeeping (kubelet's housekeeping and eviction manager): the node-wide checks that run every
/// `period` of the injected clock rather than per sync, and the state they keep. The relist ticks
/// it; when a period is due it
/// - evicts, as kubelet's eviction manager does for the one local-storage limit a pod declares
///   itself, the pods whose emptyDir on disk uses more than its `sizeLimit` (phase Failed, reason
///   Evicted, containers killed, sandbox stopped) until their manifest changes — the eviction is
///   read back from the pod's recorded status after a daemon restart;
/// - runs the CNI spec's CHECK on running sandboxes: thoroughly (every plugin's CHECK) for one
///   adopted after a restart, cheaply (the host side of the attachment still exists, no process
///   spawned) for the others. A failure is a Warning event and the sandbox then counts as not
///   ready, so the next sync kills the pod with its grace period and re-creates it, as kubelet
///   does with a sandbox the runtime reports NOTREADY.
/// Either finding asks the pod workers for a sync of the pod.
actor Housekeeping {
    let runtime: any RuntimeService
    let events: EventRecorder
    let workers: PodWorkers
    let logger: Logger
    /// How often the checks run (kubelet's eviction monitoring period is 10 s).
    let period: Int64
    private var next: Int64 = 0

    /// Evicted pods by uid, with the manifest JSON they were evicted under (an edit clears it).
    private var evictions: [String: Eviction] = [:]
    /// Sandbox ids whose network was attached or passed a thorough CHECK in this daemon's life;
    /// the others (adopted after a restart) get a thorough CHECK at the next period.
    private var networkChecked: Set<String> = []
    /// Sandbox ids whose network check failed: they count as not ready.
    private var brokenNetworks: Set<String> = []

    init(runtime: any RuntimeService, events: EventRecorder, workers: PodWorkers, period: Int64, logger: Logger) {
        self.runtime = runtime
        self.events = events
        self.workers = workers
        self.period = period
        self.logger = logger
    }

    /// One relist's tick: forgets sandboxes that are gone, and runs the checks when a period is due.
    func tick(now: Int64, sandboxes: [PodSandbox], desired: [String: DesiredPod]) async {
        let present = Set(sandboxes.map(\.id))
        networkChecked.formIntersection(present)
        brokenNetworks.formIntersection(present)
        guard now >= next else { return }
        next = now + period
        await checkEmptyDirLimits(desired)
        await checkSandboxNetworks(sandboxes, desired)
    }

    /// The sandboxes whose network check failed.
    func broken() -> Set<String> {
        brokenNetworks
    }

    /// A sandbox this daemon attached: its network needs no thorough CHECK.
    func attached(_ sandboxID: String) {
        networkChecked.insert(sandboxID)
    }

    /// The pod is gone: its eviction with it.
    func forget(_ uid: String) {
        evictions[uid] = nil
    }

    /// The eviction in force for the pod, if its manifest is the one it was evicted under.
    func evictionMessage(_ uid: String, _ want: DesiredPod) async -> String? {
        if evictions[uid] == nil, let record = await events.status.recorded(uid), record.reason == EventReason.evicted.rawValue {
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
    private func checkEmptyDirLimits(_ desired: [String: DesiredPod]) async {
        for (uid, want) in desired.sorted(by: { $0.key < $1.key }) where evictions[uid] == nil {
            let limits = Self.emptyDirLimits(want.pod)
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
            await events.record(want.pod, .warning, .evicted, message)
            await workers.update(uid)
        }
    }

    private func checkSandboxNetworks(_ sandboxes: [PodSandbox], _ desired: [String: DesiredPod]) async {
        for sandbox in sandboxes where sandbox.state == .ready && !brokenNetworks.contains(sandbox.id) {
            guard let want = desired[sandbox.metadata.uid], !want.pod.spec.hostNetwork, evictions[sandbox.metadata.uid] == nil else { continue }
            let thorough = !networkChecked.contains(sandbox.id)
            do {
                try await runtime.checkPodSandboxNetwork(sandbox.id, thorough: thorough)
                if thorough { networkChecked.insert(sandbox.id) }
            } catch {
                logger.warning("network of pod \(want.pod.metadata.namespace)/\(want.pod.metadata.name) is broken: \(error)")
                brokenNetworks.insert(sandbox.id)
                await events.record(want.pod, .warning, .failedCheckPodSandBoxNetwork,
                                    "Pod sandbox network check failed, it will be killed and re-created: \(error)")
                await workers.update(sandbox.metadata.uid)
            }
        }
    }

    /// The pod's emptyDir volumes on disk with a sizeLimit, in spec order (memory ones are a
    /// tmpfs of that size: they cannot exceed it).
    static func emptyDirLimits(_ pod: Pod) -> [(name: String, limit: Quantity)] {
        pod.spec.volumes.compactMap { volume in
            guard let dir = volume.emptyDir, dir.medium != "Memory", let limit = dir.sizeLimit, limit.value > 0 else { return nil }
            return (volume.name, limit)
        }
    }
}
