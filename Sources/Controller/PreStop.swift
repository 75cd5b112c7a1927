import CRI
import FoundationEssentials
import KubeAPI
import SwkSupport

/// preStop hooks. CRI has no hooks: as kubelet does, the controller stores the container's
/// preStop handler as an annotation when it creates it (so a pod whose manifest is gone can still
/// run it) and runs it before StopContainer — exec through ExecSync, sleep here — within the
/// grace period; what is left of the period (at least 2 s, kubelet's minimum) goes to the stop.
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

extension NodeController {
    /// Runs the container's preStop hook if it has one and is running; returns the seconds of
    /// `grace` left for StopContainer. A failing hook is reported, and the stop goes on.
    func runPreStop(_ container: ContainerStatus, grace: Int64, pod: Pod?) async -> Int64 {
        guard container.state == .running, let handler = PreStopHook.handler(container) else { return grace }
        let started = clock.now()
        let name = container.metadata.name
        var failure: String?
        if let exec = handler.exec {
            do {
                let result = try await runtime.execSync(container.id, exec.command, timeout: grace)
                if result.exitCode != 0 {
                    let said = String(decoding: result.stderr + result.stdout, as: UTF8.self)
                    failure = "exited with status \(result.exitCode)\(said.isEmpty ? "" : ": \(said)")"
                }
            } catch {
                failure = "\(error)"
            }
        } else if let sleep = handler.sleep {
            try? await clock.sleep(nanoseconds: min(sleep.seconds, grace) * nanosPerSecond)
        } else {
            failure = "only exec and sleep preStop hooks are supported"
        }
        if let failure {
            let message = "PreStopHook failed for container \(name): \(failure)"
            logger.warning("\(message)")
            if let pod { await recordEvent(pod, "Warning", "FailedPreStopHook", message) }
        }
        let spent = (clock.now() - started) / nanosPerSecond
        return max(PreStopHook.minimumGrace, grace - spent)
    }
}
