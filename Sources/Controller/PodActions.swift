import CRI
import KubeAPI

/// What the runtime currently holds for one pod: its sandboxes (newest first) and every container
/// instance of those sandboxes (newest first), as a relist reported them.
public struct ObservedPod: Sendable, Equatable {
    public var sandboxes: [PodSandboxStatus] = []
    public var containers: [ContainerStatus] = []

    public init(sandboxes: [PodSandboxStatus] = [], containers: [ContainerStatus] = []) {
        // Newest first; the attempt number breaks ties of a coarse clock.
        self.sandboxes = sandboxes.sorted { ($0.createdAt, $0.metadata.attempt) > ($1.createdAt, $1.metadata.attempt) }
        self.containers = containers.sorted { ($0.createdAt, $0.metadata.attempt) > ($1.createdAt, $1.metadata.attempt) }
    }

    /// The newest instance of the named container, if any.
    public func latest(_ name: String) -> ContainerStatus? {
        containers.first { $0.metadata.name == name }
    }

    public var isEmpty: Bool { sandboxes.isEmpty && containers.isEmpty }
}

/// The result of comparing desired with actual for one pod (kubelet's `podActions`): a value,
/// computed by the pure function `computePodActions`, carried out by the pod worker.
public struct PodActions: Sendable, Equatable {
    /// Stop and remove every sandbox and container of the pod first.
    public var killPod = false
    /// Create a new sandbox (after killPod, if set).
    public var createSandbox = false
    /// The ready sandbox to start containers in, when one is kept.
    public var sandboxID: String?
    /// Attempt number of the new sandbox.
    public var sandboxAttempt: UInt32 = 0
    /// Container instances to stop and remove, with the reason (id → message).
    public var containersToKill: [String: String] = [:]
    /// Containers (by spec name, in spec order) to create and start now.
    public var containersToStart: [String] = []
    /// Containers that wait for their backoff to expire, with the time they may restart.
    public var backingOff: [String: Int64] = [:]
    /// The pod has run to completion under its restart policy: nothing more to start.
    public var podFinished = false
    /// The pod outlived its activeDeadlineSeconds: its containers are killed and it has Failed.
    public var deadlineExceeded = false
    /// The pod was evicted (kubelet's eviction manager; here: an emptyDir over its sizeLimit),
    /// with the message: its containers are killed (kept for their status), its sandbox stopped,
    /// and it has Failed until its manifest changes.
    public var evictionMessage: String?
    /// A ready sandbox to stop (not remove) — an evicted or rejected pod's.
    public var sandboxToStop: String?
    /// The pod failed admission (a forbidden sysctl): nothing of it runs, and it has Failed with
    /// the rejection's reason until its manifest or the node's settings change.
    public var rejection: PodRejection?

    public init() {}

    /// Whether carrying this out would change anything.
    public var isEmpty: Bool {
        !killPod && !createSandbox && containersToKill.isEmpty && containersToStart.isEmpty && sandboxToStop == nil
    }
}

/// When the pod's activeDeadlineSeconds runs out, counted from its first sandbox.
public func deadlineOf(_ pod: Pod, _ observed: ObservedPod) -> Int64? {
    guard let seconds = pod.spec.activeDeadlineSeconds, let start = observed.sandboxes.last?.createdAt else { return nil }
    return start + seconds * nanosPerSecond
}

/// Decides whether a container that exited with `exitCode` is restarted under `policy`.
public func shouldRestart(_ policy: RestartPolicy, exitCode: Int32) -> Bool {
    switch policy {
    case .always: return true
    case .onFailure: return exitCode != 0
    case .never: return false
    }
}

/// The reconcile diff (kubelet's computePodActions), pure: desired pod, observed runtime state,
/// the backoff table and the time in; the actions out.
///
/// 1. No ready sandbox, or the pod-level hash changed → kill everything, create a sandbox and start
///    all containers — unless the pod already ran to completion under its restart policy.
/// 2. Otherwise per container: none yet → start; running with another spec hash → kill and start;
///    unknown (it may still run) → kill and start, whatever the policy (kubelet's rule);
///    exited → restart per policy, immediately or after its backoff.
/// 3. Container instances whose name is no longer in the spec (or unknown) → kill.
///
/// An evicted pod (`evictionMessage`) or one that failed admission (`rejection`) only has its
/// running containers killed and its sandbox stopped; nothing is started again.
public func computePodActions(desired pod: Pod, observed: ObservedPod, backoff: Backoff, now: Int64,
                              evictionMessage: String? = nil, rejection: PodRejection? = nil) -> PodActions {
    var actions = PodActions()
    if let message = evictionMessage ?? rejection?.message {
        actions.evictionMessage = evictionMessage
        actions.rejection = evictionMessage == nil ? rejection : nil
        actions.podFinished = true
        for instance in observed.containers where instance.state == .running || instance.state == .created {
            actions.containersToKill[instance.id] = message
        }
        actions.sandboxToStop = observed.sandboxes.first { $0.state == .ready }?.id
        return actions
    }
    if let deadline = deadlineOf(pod, observed), now >= deadline {
        actions.deadlineExceeded = true
        actions.podFinished = true
        for instance in observed.containers where instance.state == .running || instance.state == .created {
            actions.containersToKill[instance.id] = "pod was active on the node longer than activeDeadlineSeconds"
        }
        return actions
    }
    let specNames = Set((pod.spec.initContainers + pod.spec.containers).map(\.name))
    let wantHash = SandboxHash.of(pod)
    let sandbox = observed.sandboxes.first

    let sandboxUsable = sandbox.map {
        $0.state == .ready && $0.annotations[SwkubeAnnotations.sandboxHash] == wantHash
    } ?? false

    if !sandboxUsable {
        if let sandbox, sandbox.annotations[SwkubeAnnotations.sandboxHash] == wantHash,
           podRanToCompletion(pod, observed: observed) {
            actions.podFinished = true
            return actions
        }
        actions.killPod = !observed.isEmpty
        actions.createSandbox = true
        actions.sandboxAttempt = sandbox.map { $0.metadata.attempt + 1 } ?? 0
        actions.containersToStart = pod.spec.initContainers.first.map { [$0.name] } ?? pod.spec.containers.map(\.name)
        return actions
    }
    actions.sandboxID = sandbox?.id

    for instance in observed.containers where instance.state != .exited {
        if !specNames.contains(instance.metadata.name) {
            // An unknown instance may be one whose name the runtime could not read back.
            actions.containersToKill[instance.id] = instance.state == .unknown
                ? "container \(instance.id) is in unknown state (\(instance.message)), will be killed"
                : "container \(instance.metadata.name) is no longer in the pod spec"
        }
    }

    switch initContainerProgress(pod, observed: observed, backoff: backoff, now: now, into: &actions) {
    case .waiting:
        return actions
    case .failed:
        actions.podFinished = true
        return actions
    case .done:
        break
    }

    var anyLeftToRun = false
    for container in pod.spec.containers {
        if decide(container, pod: pod, observed: observed, backoff: backoff, now: now, into: &actions) {
            anyLeftToRun = true
        }
    }
    actions.podFinished = !anyLeftToRun
    return actions
}

/// Decides for one app container (or sidecar) from its newest instance: start it, replace it,
/// restart it (now or after its backoff), or leave it. Returns whether it still has work to do.
private func decide(_ container: KubeAPI.Container, pod: Pod, observed: ObservedPod, backoff: Backoff, now: Int64,
                    policy: RestartPolicy? = nil, into actions: inout PodActions) -> Bool {
    guard let current = observed.latest(container.name) else {
        actions.containersToStart.append(container.name)
        return true
    }
    let hashMatches = current.annotations[KubeLabels.containerHash] == container.specHash
    switch current.state {
    case .unknown:
        // As kubelet: it may still be running, so it is killed before its replacement starts.
        actions.containersToKill[current.id] = "container \(container.name) is in unknown state (\(current.message)), will be killed and restarted"
        actions.containersToStart.append(container.name)
        return true
    case .running, .created:
        if !hashMatches {
            actions.containersToKill[current.id] = "container \(container.name) definition changed, will be restarted"
            actions.containersToStart.append(container.name)
        }
        return true
    case .exited:
        if !hashMatches {
            // An edit gets a fresh start whatever the policy said about the old definition.
            actions.containersToStart.append(container.name)
            return true
        }
        guard shouldRestart(policy ?? pod.spec.restartPolicy, exitCode: current.exitCode) else { return false }
        let key = BackoffKey(podUID: pod.metadata.uid, container: container.name, specHash: container.specHash)
        if let notBefore = backoff.restartNotBefore(key, finishedAt: current.finishedAt, startedAt: current.startedAt),
           notBefore > now {
            actions.backingOff[container.name] = notBefore
        } else {
            actions.containersToStart.append(container.name)
        }
        return true
    }
}

enum InitProgress { case waiting, done, failed }

/// Init containers run one at a time, in order, each to success before the next; a sidecar
/// (`restartPolicy: Always`) only has to be running. A failed one is restarted per the pod's policy
/// (with backoff), and under `Never` it fails the pod.
func initContainerProgress(_ pod: Pod, observed: ObservedPod, backoff: Backoff, now: Int64,
                           into actions: inout PodActions) -> InitProgress {
    for container in pod.spec.initContainers {
        if container.restartPolicy == .always {
            _ = decide(container, pod: pod, observed: observed, backoff: backoff, now: now, policy: .always, into: &actions)
            if observed.latest(container.name)?.state != .running { return .waiting }
            continue
        }
        guard let current = observed.latest(container.name) else {
            actions.containersToStart.append(container.name)
            return .waiting
        }
        if current.annotations[KubeLabels.containerHash] != container.specHash {
            // As kubelet: the old instance is killed before its replacement starts, never left beside it.
            if current.state != .exited {
                actions.containersToKill[current.id] = "init container \(container.name) definition changed, will be restarted"
            }
            actions.containersToStart.append(container.name)
            return .waiting
        }
        switch current.state {
        case .running, .created:
            return .waiting
        case .unknown:
            actions.containersToKill[current.id] = "init container \(container.name) is in unknown state (\(current.message)), will be killed and restarted"
            actions.containersToStart.append(container.name)
            return .waiting
        case .exited where current.exitCode == 0:
            continue
        case .exited:
            // Init containers restart on failure under Always and OnFailure alike.
            let policy: RestartPolicy = pod.spec.restartPolicy == .never ? .never : .onFailure
            if !decide(container, pod: pod, observed: observed, backoff: backoff, now: now, policy: policy, into: &actions) {
                return .failed
            }
            return .waiting
        }
    }
    return .done
}

/// Whether every container has exited and none is due a restart under the pod's policy.
func podRanToCompletion(_ pod: Pod, observed: ObservedPod) -> Bool {
    guard pod.spec.restartPolicy != .always else { return false }
    for container in pod.spec.containers {
        guard let current = observed.latest(container.name), current.state == .exited,
              current.annotations[KubeLabels.containerHash] == container.specHash else { return false }
        if shouldRestart(pod.spec.restartPolicy, exitCode: current.exitCode) { return false }
    }
    return true
}
