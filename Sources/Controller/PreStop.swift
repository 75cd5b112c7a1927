import CRI
import FoundationEssentials
import KubeAPI
import SwkSupport

/// preStop hooks. CRI has no hooks: as kubelet does, the controller stores the container's
/// preStop handler as an annotation when it creates it, so a pod whose manifest is gone can still
/// run it (`NodeController.stop` runs it before StopContainer, within the grace period; what is
/// left of the period, at least 2 s, kubelet's minimum, goes to the stop).
enum PreStopHook {
    /// kubelet's minimumGracePeriodInSeconds.
    static let minimumGrace: Int64 = 2

    static func annotation(for container: KubeAPI.Container) -> String? {
        guard let handler = container.lifecycle?.preStop, let json = try? JSONEncoder().encode(handler) else { return nil }
        return String(decoding: json, as: UTF8.self)
    }

    static func handler(_ container: ContainerStatus) -> ProbeHandler? {
        guard let text = container.annotations[SwkubeAnnotations.preStopHandler] else { return nil }
        return try? JSONDecoder().decode(ProbeHandler.self, from: Data(text.utf8))
    }
}
