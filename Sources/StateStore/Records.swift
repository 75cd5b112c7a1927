/// What the daemon records and `swkubectl` reads: the last observed status of each pod, its
/// containers, the events, and the manifest errors. Status is written whole per pod in one
/// transaction, so a reader never sees half an update. Times are nanoseconds since the Unix epoch.

/// A pod's phase (core/v1 PodPhase).
public enum PodPhase: String, Sendable, Equatable, Hashable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case unknown = "Unknown"

    /// Succeeded or Failed: nothing in the pod runs again.
    public var isTerminal: Bool { self == .succeeded || self == .failed }
}

public struct PodRecord: Sendable, Equatable, Hashable {
    public var uid: String
    public var namespace: String
    public var name: String
    /// The manifest file the pod came from.
    public var manifestPath: String
    public var phase: PodPhase
    /// Pod-level reason shown by `get pods` instead of the container one (e.g. `InvalidManifest`).
    public var reason: String = ""
    public var message: String = ""
    public var podIP: String = ""
    public var createdAt: Int64
    public var startTime: Int64 = 0
    /// The Pod as the manifest declared it, as JSON (for `-o yaml|json` and describe).
    public var specJSON: String = ""
    /// The pod's cgroup as the runtime reported it ('' = not reported: `/swkube/<uid>`).
    public var cgroupPath: String = ""
    public var containers: [ContainerRecord] = []

    public init(uid: String, namespace: String, name: String, manifestPath: String, phase: PodPhase, createdAt: Int64) {
        self.uid = uid; self.namespace = namespace; self.name = name; self.manifestPath = manifestPath
        self.phase = phase; self.createdAt = createdAt
    }
}

/// One container of a pod: its current state with Kubernetes' waiting/running/terminated shape.
public struct ContainerRecord: Sendable, Equatable, Hashable {
    public enum State: String, Sendable, Equatable, Hashable {
        case waiting, running, terminated
    }

    public var name: String
    public var image: String
    public var imageID: String = ""
    public var containerID: String = ""
    public var isInit: Bool = false
    public var state: State
    /// `ContainerCreating`, `CrashLoopBackOff`, `Completed`, `Error`, `OOMKilled`, `ErrImagePull`…
    public var reason: String = ""
    public var message: String = ""
    public var exitCode: Int32 = 0
    public var restartCount: Int32 = 0
    public var ready: Bool = false
    public var startedAt: Int64 = 0
    public var finishedAt: Int64 = 0
    /// The state before the current one, for `lastState` (exit code of the previous run).
    public var lastExitCode: Int32?
    public var lastReason: String = ""
    public var lastFinishedAt: Int64 = 0
    /// The container's cgroup as the runtime reported it ('' = not reported).
    public var cgroupPath: String = ""

    public init(name: String, image: String, state: State) {
        self.name = name; self.image = image; self.state = state
    }
}

public struct EventRecord: Sendable, Equatable, Hashable {
    public var id: Int64 = 0
    /// `Normal` or `Warning`.
    public var type: String
    public var reason: String
    public var message: String
    /// The object: `pod/<name>` or `file/<path>`.
    public var namespace: String
    public var object: String
    public var podUID: String = ""
    public var firstTimestamp: Int64
    public var lastTimestamp: Int64
    /// Repeats of the same type/reason/message for the object fold into one row, as kubectl shows.
    public var count: Int32 = 1

    public init(type: String, reason: String, message: String, namespace: String, object: String, timestamp: Int64) {
        self.type = type; self.reason = reason; self.message = message; self.namespace = namespace
        self.object = object; self.firstTimestamp = timestamp; self.lastTimestamp = timestamp
    }
}

/// A manifest file (or one document in it) that could not be applied.
public struct ManifestErrorRecord: Sendable, Equatable, Hashable {
    public var file: String
    public var line: Int
    public var message: String
    public var observedAt: Int64

    public init(file: String, line: Int, message: String, observedAt: Int64) {
        self.file = file; self.line = line; self.message = message; self.observedAt = observedAt
    }
}
