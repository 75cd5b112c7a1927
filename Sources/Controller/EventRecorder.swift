import CRI
import KubeAPI
import Logging
import StateStore

/// Records a pod's events (kubelet's event recorder): shared by the owners that act on pods — the
/// pod workers' syncs, the probe manager and housekeeping — so each writes events the same way.
/// A value: the database writes are serialised by the `StatusWriter` actor.
struct EventRecorder: Sendable {
    let status: StatusWriter
    let clock: any NodeClock
    let logger: Logger

    func record(_ pod: Pod, _ type: EventType, _ reason: EventReason, _ message: String) async {
        var event = EventRecord(type: type.rawValue, reason: reason.rawValue, message: message, namespace: pod.metadata.namespace,
                                object: "pod/\(pod.metadata.name)", timestamp: clock.now())
        event.podUID = pod.metadata.uid
        do {
            try await status.event(event)
        } catch {
            logger.error("record event \(reason) for \(pod.metadata.name): \(error)")
        }
    }
}
