/// The `type` of a Kubernetes event, as kubelet records it.
public enum EventType: String, Sendable {
    case normal = "Normal"
    case warning = "Warning"
}

/// Every reason swkubelet records an event for, spelled as kubelet spells it (pkg/kubelet/events),
/// so `get events` and `describe` read as on a cluster and a typo cannot invent a new reason.
public enum EventReason: String, Sendable {
    // Manifests and pod lifecycle.
    case invalidManifest = "InvalidManifest"
    case scheduled = "Scheduled"
    case sandboxChanged = "SandboxChanged"
    case failedCreatePodSandBox = "FailedCreatePodSandBox"
    case failedCheckPodSandBoxNetwork = "FailedCheckPodSandBoxNetwork"
    case deadlineExceeded = "DeadlineExceeded"
    case evicted = "Evicted"
    case sysctlForbidden = "SysctlForbidden"
    // Images.
    case pulling = "Pulling"
    case pulled = "Pulled"
    // Containers.
    case created = "Created"
    case started = "Started"
    case killing = "Killing"
    case failed = "Failed"
    case backOff = "BackOff"
    case unhealthy = "Unhealthy"
    case failedPostStartHook = "FailedPostStartHook"
    case failedPreStopHook = "FailedPreStopHook"
    case invalidEnvironmentVariableNames = "InvalidEnvironmentVariableNames"
}
