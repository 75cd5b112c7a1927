import CRI
import KubeAPI

/// The kinds of probe, in the order kubelet gates them: nothing but the startup probe runs until
/// it has succeeded.
public enum ProbeKind: String, Sendable, CaseIterable {
    case startup, liveness, readiness

    func probe(of container: KubeAPI.Container) -> Probe? {
        switch self {
        case .startup: container.startupProbe
        case .liveness: container.livenessProbe
        case .readiness: container.readinessProbe
        }
    }
}

/// One probe's consecutive-result counter (kubelet's worker): the result flips to success after
/// `successThreshold` successes in a row and to failure after `failureThreshold` failures.
/// Before its first flip a readiness or startup probe counts as failing, a liveness probe as passing.
public struct ProbeCounter: Sendable, Equatable {
    public private(set) var result: Bool
    public private(set) var consecutiveFailures: Int32 = 0
    private var consecutiveSuccesses: Int32 = 0
    let successThreshold: Int32
    let failureThreshold: Int32

    public init(kind: ProbeKind, probe: Probe) {
        result = kind == .liveness
        successThreshold = max(1, probe.successThreshold)
        failureThreshold = max(1, probe.failureThreshold)
    }

    /// Whether failures reached the threshold (a startup probe that never passed gives up here).
    public var failedOut: Bool { consecutiveFailures >= failureThreshold }

    /// Records one outcome; returns true when the result flipped.
    public mutating func record(_ success: Bool) -> Bool {
        if success {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
        }
        let flipTo = success ? (consecutiveSuccesses >= successThreshold) : !(consecutiveFailures >= failureThreshold)
        guard flipTo != result, success == flipTo else { return false }
        result = flipTo
        return true
    }
}

/// What the probes of running containers say, by container id: fed by the probe tasks, read when
/// the pod's status is computed.
public struct ProbeStates: Sendable, Equatable {
    var started: [String: Bool] = [:]
    var ready: [String: Bool] = [:]

    public init() {}

    /// Ready as kubelet reports it: running, started, and ready by its readiness probe if it has one.
    public func isReady(_ containerID: String, _ container: KubeAPI.Container) -> Bool {
        if container.startupProbe != nil && started[containerID] != true { return false }
        if container.readinessProbe != nil { return ready[containerID] == true }
        return true
    }

    public func isStarted(_ containerID: String) -> Bool {
        started[containerID] == true
    }

    public mutating func forget(_ containerID: String) {
        started[containerID] = nil
        ready[containerID] = nil
    }
}
