import CRI
import KubeAPI
import StateStore

/// Why a container could not be created or started last time (ErrImagePull, CreateContainerError…),
/// kept by the controller until the next attempt succeeds.
public struct StartFailure: Sendable, Equatable {
    public var reason: String
    public var message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }
}

/// Derives the status the user sees from the observed runtime state (status is derived, never
/// stored twice): per-container waiting/running/terminated and the pod phase by kubelet's rules.
public struct PodStatusInput: Sendable {
    public var pod: Pod
    public var file: String
    public var specJSON: String
    public var observed: ObservedPod
    public var actions: PodActions
    public var failures: [String: StartFailure]
    public var createdAt: Int64
    public var probes = ProbeStates()

    public init(pod: Pod, file: String, specJSON: String, observed: ObservedPod, actions: PodActions,
                failures: [String: StartFailure], createdAt: Int64) {
        self.pod = pod; self.file = file; self.specJSON = specJSON; self.observed = observed
        self.actions = actions; self.failures = failures; self.createdAt = createdAt
    }
}

public func computePodStatus(_ input: PodStatusInput) -> PodRecord {
    let pod = input.pod
    var record = PodRecord(uid: pod.metadata.uid, namespace: pod.metadata.namespace, name: pod.metadata.name,
                           manifestPath: input.file, phase: .pending, createdAt: input.createdAt)
    record.specJSON = input.specJSON
    record.podIP = input.observed.sandboxes.first?.network.ip ?? ""
    record.startTime = input.observed.sandboxes.last?.createdAt ?? 0
    record.cgroupPath = input.observed.sandboxes.first?.info[StatusInfo.cgroupsPath] ?? ""
    let inits = pod.spec.initContainers.map {
        var status = containerStatus(for: $0, input)
        status.isInit = true
        return status
    }
    let apps = pod.spec.containers.map { containerStatus(for: $0, input) }
    record.containers = inits + apps
    record.phase = initPhase(pod, inits) ?? phase(pod.spec.restartPolicy, apps)
    if let message = input.actions.evictionMessage {
        record.phase = .failed
        record.reason = "Evicted"
        record.message = message
    } else if let rejection = input.actions.rejection {
        // As kubelet's rejectPod: the pod's reason, no container reason in front of it.
        record.phase = .failed
        record.reason = rejection.reason.rawValue
        record.message = rejection.message
        for i in record.containers.indices where record.containers[i].state == .waiting {
            record.containers[i].reason = ""
            record.containers[i].message = ""
        }
    } else if input.actions.deadlineExceeded {
        record.phase = .failed
        record.reason = "DeadlineExceeded"
        record.message = "Pod was active on the node longer than the specified deadline"
    }
    return record
}

private func containerStatus(for container: KubeAPI.Container, _ input: PodStatusInput) -> ContainerRecord {
    var status = ContainerRecord(name: container.name, image: container.image, state: .waiting)
    status.reason = "ContainerCreating"
    let instances = input.observed.containers.filter { $0.metadata.name == container.name }
    if let previous = instances.dropFirst().first(where: { $0.state == .exited }) {
        status.lastExitCode = previous.exitCode
        status.lastReason = previous.reason
        status.lastFinishedAt = previous.finishedAt
    }
    if let failure = input.failures[container.name] {
        status.reason = failure.reason
        status.message = failure.message
    }
    guard let current = instances.first else { return status }
    status.containerID = current.id
    status.imageID = current.imageRef
    status.cgroupPath = current.info[StatusInfo.cgroupsPath] ?? ""
    status.restartCount = Int32(current.annotations[KubeLabels.restartCount] ?? "") ?? 0
    switch current.state {
    case .running:
        status.state = .running
        status.reason = ""
        status.message = ""
        status.startedAt = current.startedAt
        status.ready = input.probes.isReady(current.id, container)
    case .exited:
        if let notBefore = input.actions.backingOff[container.name] {
            // Waiting out the backoff: the exit becomes the last state, as kubectl shows it.
            status.state = .waiting
            status.reason = "CrashLoopBackOff"
            let seconds = (notBefore - current.finishedAt + nanosPerSecond - 1) / nanosPerSecond
            status.message = "back-off \(seconds)s restarting failed container=\(container.name) pod=\(input.pod.metadata.name)_\(input.pod.metadata.namespace)(\(input.pod.metadata.uid))"
            status.lastExitCode = current.exitCode
            status.lastReason = exitReason(current)
            status.lastFinishedAt = current.finishedAt
        } else {
            status.state = .terminated
            status.reason = exitReason(current)
            status.message = current.message
            status.exitCode = current.exitCode
            status.startedAt = current.startedAt
            status.finishedAt = current.finishedAt
        }
    case .created, .unknown:
        break
    }
    return status
}

func exitReason(_ status: ContainerStatus) -> String {
    if !status.reason.isEmpty { return status.reason }
    return status.exitCode == 0 ? "Completed" : "Error"
}

/// While init containers are unfinished the pod is Pending — or Failed, when one failed under
/// restartPolicy Never. Sidecars only need to have started.
func initPhase(_ pod: Pod, _ inits: [ContainerRecord]) -> PodPhase? {
    for (spec, status) in zip(pod.spec.initContainers, inits) {
        if spec.restartPolicy == .always {
            if status.state != .running && status.lastExitCode == nil { return .pending }
            continue
        }
        switch status.state {
        case .terminated where status.exitCode == 0: continue
        case .terminated where pod.spec.restartPolicy == .never: return .failed
        default: return .pending
        }
    }
    return nil
}

/// kubelet's getPhase for app containers.
func phase(_ policy: RestartPolicy, _ containers: [ContainerRecord]) -> PodPhase {
    var running = 0, waiting = 0, stopped = 0, succeeded = 0
    for c in containers {
        switch c.state {
        case .running: running += 1
        case .terminated:
            stopped += 1
            if c.exitCode == 0 { succeeded += 1 }
        case .waiting:
            // A crash-looping container has run before: it counts as stopped, not pending.
            if c.lastExitCode != nil { stopped += 1 } else { waiting += 1 }
        }
    }
    if waiting > 0 { return .pending }
    if running > 0 { return .running }
    if stopped > 0 {
        switch policy {
        case .always: return .running
        case .onFailure: return stopped == succeeded ? .succeeded : .running
        case .never: return stopped == succeeded ? .succeeded : .failed
        }
    }
    return .pending
}
