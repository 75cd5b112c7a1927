import StateStore
import SwkSupport

/// The single owner of the state database on the daemon side. It skips writes that would not
/// change what readers see, so an idle node writes only its heartbeat.
public actor StatusWriter {
    private let store: StateStore
    private var written: [String: PodRecord] = [:]
    private var writtenErrors: [ManifestErrorRecord] = []

    public init(store: StateStore) throws(SwkError) {
        self.store = store
        for pod in try store.pods() { written[pod.uid] = pod }
        writtenErrors = try store.manifestErrors()
    }

    /// The pods recorded before this daemon started (to find pods whose manifest vanished).
    public func recordedPods() -> [PodRecord] {
        Array(written.values)
    }

    /// What was last recorded for the pod.
    public func recorded(_ uid: String) -> PodRecord? {
        written[uid]
    }

    public func write(_ pod: PodRecord) throws(SwkError) {
        var comparable = pod
        comparable.createdAt = written[pod.uid]?.createdAt ?? pod.createdAt
        guard written[pod.uid] != comparable else { return }
        try store.upsertPod(comparable)
        written[pod.uid] = comparable
    }

    /// When the pod was first recorded, so AGE survives daemon restarts.
    public func createdAt(_ uid: String) -> Int64? {
        written[uid]?.createdAt
    }

    public func delete(uid: String) throws(SwkError) {
        guard written[uid] != nil else { return }
        try store.deletePod(uid: uid)
        written[uid] = nil
    }

    public func event(_ event: EventRecord) throws(SwkError) {
        try store.recordEvent(event)
    }

    public func manifestErrors(_ errors: [ManifestErrorRecord]) throws(SwkError) {
        let key = { (e: ManifestErrorRecord) in "\(e.file):\(e.line):\(e.message)" }
        guard errors.map(key) != writtenErrors.map(key) else { return }
        try store.replaceManifestErrors(errors)
        writtenErrors = errors
    }

    public func heartbeat(pid: Int32, at: Int64) throws(SwkError) {
        try store.setDaemonHeartbeat(pid: pid, at: at)
    }
}
