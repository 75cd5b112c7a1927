import CRI
import Glibc
import KubeAPI
import Logging
import StateStore

/// The reconcile loop of the node (kubelet's syncLoop): it holds the desired state from the manifest
/// source, relists the runtime, and keeps one worker per pod — a newer request for a pod that is
/// being synced replaces the pending one instead of queueing behind it.
///
/// Talks to containers only through the CRI-shaped `RuntimeService` and `ImageService`.
public actor NodeController {
    let runtime: any RuntimeService
    let images: any ImageService
    let status: StatusWriter
    let clock: any NodeClock
    let builder: RuntimeConfigBuilder
    let logger: Logger

    var desired: [String: DesiredPod] = [:]
    var desiredErrors: [ManifestErrorRecord] = []
    /// No pod is synced before the first manifest snapshot: until then every running pod would
    /// look like an orphan of a deleted manifest.
    var hasDesiredState = false
    var backoff: Backoff
    /// Creation failures per pod uid and container name, shown as waiting reasons.
    var failures: [String: [String: StartFailure]] = [:]
    /// Pod uids being synced, and those with a sync requested meanwhile.
    var busy: Set<String> = []
    var pending: Set<String> = []
    /// What the last relist saw per pod, to sync only the pods that changed.
    var lastSeen: [String: [String]] = [:]
    /// When a pod next needs a look (its backoff expires).
    var wakeups: [String: Int64] = [:]
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Probe results and the workers producing them, by container id.
    var probes = ProbeStates()
    var probeTasks: [String: [String: Task<Void, Never>]] = [:]
    /// Evicted pods by uid, with the manifest JSON they were evicted under (an edit clears it).
    var evictions: [String: Eviction] = [:]
    /// Pods that failed admission, by uid (their event is recorded once per rejection).
    var rejections: [String: PodRejection] = [:]
    /// Sandbox ids whose network was attached or passed a thorough CNI CHECK in this daemon's
    /// life; the others (adopted after a restart) get a thorough CHECK at the next housekeeping.
    var networkChecked: Set<String> = []
    /// Sandbox ids whose network check failed: they count as not ready, so the pod's sandbox is
    /// killed and re-created (as kubelet does with a sandbox the runtime reports NOTREADY).
    var brokenNetworks: Set<String> = []
    /// How often housekeeping runs: emptyDir usage against sizeLimit (kubelet's eviction
    /// monitoring period is 10 s) and the cheap pod network checks; and when next.
    let housekeepingPeriod: Int64
    var nextHousekeeping: Int64 = 0

    public init(runtime: any RuntimeService, images: any ImageService, status: StatusWriter,
                clock: any NodeClock, builder: RuntimeConfigBuilder, backoff: BackoffPolicy = .init(),
                housekeepingPeriod: Int64 = 10 * nanosPerSecond, logger: Logger) {
        self.housekeepingPeriod = housekeepingPeriod
        self.runtime = runtime
        self.images = images
        self.status = status
        self.clock = clock
        self.builder = builder
        self.backoff = Backoff(policy: backoff)
        self.logger = logger
    }

    /// Takes a new snapshot of the manifest directory and syncs every pod it adds, changes or drops.
    public func apply(_ state: DesiredState) async {
        do {
            try await status.manifestErrors(state.errors)
            // Each newly rejected file or document is also an event.
            let known = Set(desiredErrors.map { "\($0.file):\($0.line):\($0.message)" })
            for error in state.errors where !known.contains("\(error.file):\(error.line):\(error.message)") {
                let event = EventRecord(type: "Warning", reason: "InvalidManifest",
                                        message: "\(error.file)\(error.line > 0 ? ":\(error.line)" : ""): \(error.message)",
                                        namespace: "default", object: "file/\(error.file)", timestamp: clock.now())
                try await status.event(event)
            }
        } catch {
            logger.error("record manifest errors: \(error)")
        }
        desiredErrors = state.errors
        let old = desired
        desired = state.pods
        hasDesiredState = true
        for (uid, pod) in state.pods where old[uid] != pod {
            if let previous = old[uid], previous.pod.spec != pod.pod.spec {
                logger.info("pod \(pod.pod.metadata.namespace)/\(pod.pod.metadata.name) changed in \(pod.file)")
            } else if old[uid] == nil {
                logger.info("pod \(pod.pod.metadata.namespace)/\(pod.pod.metadata.name) added from \(pod.file)")
                await recordEvent(pod.pod, "Normal", "Scheduled", "accepted from \(pod.file)")
            }
            schedule(uid)
        }
        for uid in old.keys where state.pods[uid] == nil {
            schedule(uid)
        }
    }

    /// Relists the runtime (kubelet's PLEG) and syncs pods whose containers changed state, pods
    /// whose backoff expired, and orphans (runtime pods no manifest asks for).
    public func relist() async {
        guard hasDesiredState else { return }
        let now = clock.now()
        let sandboxes: [PodSandbox], containers: [CRI.Container]
        do {
            sandboxes = try await runtime.listPodSandbox(nil)
            containers = try await runtime.listContainers(nil)
        } catch {
            logger.error("relist: \(error)")
            return
        }
        var seen: [String: [String]] = [:]
        for sandbox in sandboxes { seen[sandbox.metadata.uid, default: []].append("s:\(sandbox.id):\(sandbox.state)") }
        for container in containers {
            guard let uid = container.labels[KubeLabels.podUID] else { continue }
            seen[uid, default: []].append("c:\(container.id):\(container.state)")
        }
        for (uid, states) in seen where lastSeen[uid] != states.sorted() {
            schedule(uid)
        }
        for uid in lastSeen.keys where seen[uid] == nil { schedule(uid) }
        lastSeen = seen.mapValues { $0.sorted() }
        for (uid, at) in wakeups where at <= now {
            wakeups[uid] = nil
            schedule(uid)
        }
        for record in await status.recordedPods() where desired[record.uid] == nil && seen[record.uid] == nil {
            schedule(record.uid)
        }
        let present = Set(sandboxes.map(\.id))
        networkChecked.formIntersection(present)
        brokenNetworks.formIntersection(present)
        if now >= nextHousekeeping {
            nextHousekeeping = now + housekeepingPeriod
            await checkEmptyDirLimits()
            await checkSandboxNetworks(sandboxes)
        }
    }

    /// Runs the loop until cancelled: snapshots from `updates`, a relist every `relistPeriod`.
    public func run(updates: AsyncStream<DesiredState>, relistPeriod: Int64 = nanosPerSecond) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in updates { await self.apply(state) }
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.relist()
                    try? await self.clock.sleep(nanoseconds: relistPeriod)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Requests a sync of the pod; at most one runs per pod, and requests made meanwhile fold into one.
    public func schedule(_ uid: String) {
        guard hasDesiredState else { return }
        if busy.contains(uid) {
            pending.insert(uid)
            return
        }
        busy.insert(uid)
        Task { await self.workerLoop(uid) }
    }

    private func workerLoop(_ uid: String) async {
        repeat {
            pending.remove(uid)
            await syncPod(uid)
        } while pending.contains(uid)
        busy.remove(uid)
        if busy.isEmpty {
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
    }

    /// Waits until no pod sync is running or pending (for tests and orderly shutdown).
    public func waitIdle() async {
        if busy.isEmpty { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    func recordEvent(_ pod: Pod, _ type: String, _ reason: String, _ message: String) async {
        var event = EventRecord(type: type, reason: reason, message: message, namespace: pod.metadata.namespace,
                                object: "pod/\(pod.metadata.name)", timestamp: clock.now())
        event.podUID = pod.metadata.uid
        do {
            try await status.event(event)
        } catch {
            logger.error("record event \(reason) for \(pod.metadata.name): \(error)")
        }
    }
}
