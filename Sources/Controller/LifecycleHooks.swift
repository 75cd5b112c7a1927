import CRI
import KubeAPI
import Logging

/// postStart and preStop hooks, as kubelet runs them: postStart right after the start (a failure
/// kills the container, which then restarts per policy); preStop before the stop signal, within
/// the grace period, whose remainder (at least 2 s) the runtime then waits. A value without state,
/// shared by the pod syncs and the probe manager's liveness kills.
struct LifecycleHooks: Sendable {
    let runtime: any RuntimeService
    let clock: any NodeClock
    let events: EventRecorder
    let logger: Logger

    func runPostStart(_ container: KubeAPI.Container, of pod: Pod, id: String, sandboxID: String) async {
        guard let hook = container.lifecycle?.postStart else { return }
        let sandbox = try? await runtime.podSandboxStatus(sandboxID)
        let target = HandlerTarget(containerID: id, podSandboxID: sandboxID, podIP: sandbox?.network.ip ?? "",
                                   hostNetwork: pod.spec.hostNetwork, ports: container.ports)
        let result = await HandlerRunner(runtime: runtime, clock: clock)
            .run(hook, timeoutSeconds: Int32(clamping: pod.spec.terminationGracePeriodSeconds), target: target)
        guard !result.success else { return }
        await events.record(pod, .warning, .failedPostStartHook, "PostStartHook failed: \(result.message)")
        do {
            try await runtime.stopContainer(id, timeout: pod.spec.terminationGracePeriodSeconds)
        } catch {
            logger.error("kill container \(id) after its postStart hook failed: \(error)")
        }
    }

    /// Stops one container instance: its preStop hook (kept on the container as an annotation, so
    /// it runs even when the manifest is gone), then the runtime's stop signal with the rest of
    /// the grace period.
    func stop(_ instance: ContainerStatus, of pod: Pod?, sandbox: PodSandboxStatus?, grace: Int64) async {
        var remaining = grace
        if instance.state == .running, let hook = PreStopHook.handler(instance) {
            let started = clock.now()
            let ports = pod.flatMap { p in (p.spec.initContainers + p.spec.containers).first { $0.name == instance.metadata.name } }?.ports ?? []
            let target = HandlerTarget(containerID: instance.id, podSandboxID: sandbox?.id ?? "",
                                       podIP: sandbox?.network.ip ?? "", hostNetwork: pod?.spec.hostNetwork ?? false,
                                       ports: ports)
            let result = await HandlerRunner(runtime: runtime, clock: clock)
                .run(hook, timeoutSeconds: Int32(clamping: grace), target: target)
            if !result.success {
                let message = "PreStopHook failed for container \(instance.metadata.name): \(result.message)"
                logger.warning("\(message)")
                if let pod { await events.record(pod, .warning, .failedPreStopHook, message) }
            }
            remaining = max(PreStopHook.minimumGrace, grace - (clock.now() - started) / nanosPerSecond)
        }
        do {
            try await runtime.stopContainer(instance.id, timeout: remaining)
        } catch {
            logger.error("stop container \(instance.id): \(error)")
        }
    }
}
