/// The pod workers (kubelet's podWorkers): at most one sync runs per pod uid, and each pod's
/// worker is idle, busy (a sync running) or pending (busy, with an update that arrived meanwhile).
/// An update for an idle pod starts its worker; an update for a busy pod makes it pending, and a
/// newer update replaces the pending one — the sync reads the newest desired state when it runs,
/// so a burst of updates costs one more sync, not one each. Each worker is its own task: a slow
/// sync of one pod (a pull, a grace period) never delays another pod's.
public actor PodWorkers {
    /// Syncs one pod; called with no other sync of that pod running.
    public typealias Sync = @Sendable (_ uid: String) async -> Void

    /// A pod's worker state; a pod without a worker is idle.
    public enum WorkerState: Sendable, Equatable {
        case idle, busy, pending
    }

    private let sync: Sync
    private var states: [String: WorkerState] = [:]
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public init(sync: @escaping Sync) {
        self.sync = sync
    }

    /// Requests a sync of the pod: at once when its worker is idle, else once the running sync ends.
    public func update(_ uid: String) {
        guard states[uid] == nil else {
            states[uid] = .pending
            return
        }
        states[uid] = .busy
        Task { await self.work(uid) }
    }

    public func state(of uid: String) -> WorkerState {
        states[uid] ?? .idle
    }

    /// Waits until no sync is running or pending (for tests and orderly shutdown).
    public func waitIdle() async {
        if states.isEmpty { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func work(_ uid: String) async {
        repeat {
            states[uid] = .busy
            // `sync` is nonisolated: the pod's sync runs off this actor, which stays free for updates.
            await sync(uid)
        } while states[uid] == .pending
        states[uid] = nil
        if states.isEmpty {
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
    }
}
