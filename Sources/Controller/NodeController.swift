import CRI
import KubeAPI
import Logging
import StateStore

/// The reconcile loop of the node (kubelet's syncLoop and its SyncPod): it holds the desired state
/// from the manifest source, relists the runtime (its PLEG) and asks the pod workers for a sync of
/// each pod that changed. It owns what a pod's sync needs between syncs (backoff, creation
/// failures, wake-ups, admission); the other mutable state has its own owner:
/// - `PodWorkers`: which pods are syncing and which have an update pending;
/// - `ProbeManager`: the probe workers and their results;
/// - `Housekeeping`: evictions and network checks, on their own period.
///
/// Talks to containers only through the CRI-shaped `RuntimeService` and `ImageService`.
public actor NodeController {
    let runtime: any RuntimeService
    let images: any ImageService
    let status: StatusWriter
    let clock: any NodeClock
    let builder: RuntimeConfigBuilder
    let logger: Logger
    let events: EventRecorder
    let hooks: LifecycleHooks
    let housekeepingPeriod: Int64

    var desired: [String: DesiredPod] = [:]
    var desiredErrors: [ManifestErrorRecord] = []
    /// No pod is synced before the first manifest snapshot: until then every running pod would
    /// look like an orphan of a deleted manifest.
    var hasDesiredState = false
    var backoff: Backoff
    /// Creation failures per pod uid and container name, shown as waiting reasons.
    var failures: [String: [String: StartFailure]] = [:]
    /// What the last relist saw per pod, to sync only the pods that changed.
    var lastSeen: [String: [String]] = [:]
    /// When a pod next needs a look (its backoff expires).
    var wakeups: [String: Int64] = [:]
    /// Pods that failed admission, by uid (their event is recorded once per rejection).
    var rejections: [String: PodRejection] = [:]

    // Created on first use: the workers' sync reaches back to this controller (weakly: no cycle
    // keeps it alive), and the probe manager and housekeeping report to the workers.
    lazy var workers = PodWorkers { [weak self] uid in await self?.syncPod(uid) }
    lazy var probes = ProbeManager(runtime: runtime, clock: clock, events: events, hooks: hooks, workers: workers)
    lazy var housekeeping = Housekeeping(runtime: runtime, events: events, workers: workers, period: housekeepingPeriod,
                                         logger: logger)

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
        events = EventRecorder(status: status, clock: clock, logger: logger)
        hooks = LifecycleHooks(runtime: runtime, clock: clock, events: events, logger: logger)
    }

    /// Takes a new snapshot of the manifest directory and syncs every pod it adds, changes or drops.
    public func apply(_ state: DesiredState) async {
        do {
            try await status.manifestErrors(state.errors)
            // Each newly rejected file or document is also an event.
            let known = Set(desiredErrors.map { "\($0.file):\($0.line):\($0.message)" })
            for error in state.errors where !known.contains("\(error.file):\(error.line):\(error.message)") {
                let event = EventRecord(type: EventType.warning.rawValue, reason: EventReason.invalidManifest.rawValue,
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
                await recordEvent(pod.pod, .normal, .scheduled, "accepted from \(pod.file)")
            }
            await schedule(uid)
        }
        for uid in old.keys where state.pods[uid] == nil {
            await schedule(uid)
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
            await schedule(uid)
        }
        for uid in lastSeen.keys where seen[uid] == nil { await schedule(uid) }
        lastSeen = seen.mapValues { $0.sorted() }
        for (uid, at) in wakeups where at <= now {
            wakeups[uid] = nil
            await schedule(uid)
        }
        for record in await status.recordedPods() where desired[record.uid] == nil && seen[record.uid] == nil {
            await schedule(record.uid)
        }
        await housekeeping.tick(now: now, sandboxes: sandboxes, desired: desired)
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

    /// Requests a sync of the pod from its worker (none before the first manifest snapshot).
    func schedule(_ uid: String) async {
        guard hasDesiredState else { return }
        await workers.update(uid)
    }

    /// Waits until no pod sync is running or pending (for tests and orderly shutdown).
    public func waitIdle() async {
        await workers.waitIdle()
    }

    func recordEvent(_ pod: Pod, _ type: EventType, _ reason: EventReason, _ message: String) async {
        await events.record(pod, type, reason, message)
    }
}
