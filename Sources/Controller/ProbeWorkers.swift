import CRI
import KubeAPI

/// The probe workers (kubelet's prober manager): one task per running container that has probes,
/// with one loop per probe kind; results land in `probes`, and a change of what they say
/// re-syncs the pod.
extension NodeController {
    /// Starts workers for running containers that have probes and stops those of containers
    /// that no longer run.
    func updateProbeWorkers(_ pod: Pod, _ observed: ObservedPod) {
        let uid = pod.metadata.uid
        var running: Set<String> = []
        if let sandbox = observed.sandboxes.first {
            for container in pod.spec.initContainers + pod.spec.containers {
                guard let current = observed.latest(container.name), current.state == .running,
                      ProbeKind.allCases.contains(where: { $0.probe(of: container) != nil }) else { continue }
                running.insert(current.id)
                guard probeTasks[uid]?[current.id] == nil else { continue }
                let target = HandlerTarget(containerID: current.id, podSandboxID: sandbox.id, podIP: sandbox.network.ip,
                                           hostNetwork: pod.spec.hostNetwork, ports: container.ports)
                probeTasks[uid, default: [:]][current.id] = Task { await self.runProbes(pod, container, target) }
            }
        }
        for (id, task) in probeTasks[uid] ?? [:] where !running.contains(id) {
            task.cancel()
            probeTasks[uid]?[id] = nil
            probes.forget(id)
        }
    }

    /// Stops every probe worker of a pod (it is going away).
    func stopProbeWorkers(_ uid: String) {
        for (id, task) in probeTasks.removeValue(forKey: uid) ?? [:] {
            task.cancel()
            probes.forget(id)
        }
    }

    private func runProbes(_ pod: Pod, _ container: KubeAPI.Container, _ target: HandlerTarget) async {
        await withTaskGroup(of: Void.self) { group in
            for kind in ProbeKind.allCases {
                guard let probe = kind.probe(of: container) else { continue }
                group.addTask { await self.probeLoop(kind, probe, pod, container, target) }
            }
        }
    }

    private func probeLoop(_ kind: ProbeKind, _ probe: Probe, _ pod: Pod, _ container: KubeAPI.Container,
                           _ target: HandlerTarget) async {
        let runner = HandlerRunner(runtime: runtime, clock: clock)
        var counter = ProbeCounter(kind: kind, probe: probe)
        let period = Int64(max(1, probe.periodSeconds)) * nanosPerSecond
        try? await clock.sleep(nanoseconds: Int64(probe.initialDelaySeconds) * nanosPerSecond)
        while !Task.isCancelled {
            let gated = kind != .startup && container.startupProbe != nil && !probes.isStarted(target.containerID)
            if kind == .startup && probes.isStarted(target.containerID) { return }
            if !gated {
                let result = await runner.run(probe.handler, timeoutSeconds: probe.timeoutSeconds, target: target)
                if Task.isCancelled { return }
                let flipped = counter.record(result.success)
                await probeResult(kind, result, counter: counter, flipped: flipped, pod: pod, container: container,
                                  id: target.containerID)
            }
            try? await clock.sleep(nanoseconds: period)
        }
    }

    /// Applies one probe outcome: events, readiness and startup state, and kills on liveness or
    /// startup failure (the restart then follows the pod's restartPolicy).
    private func probeResult(_ kind: ProbeKind, _ result: HandlerResult, counter: ProbeCounter, flipped: Bool,
                             pod: Pod, container: KubeAPI.Container, id: String) async {
        guard probeTasks[pod.metadata.uid]?[id] != nil else { return }
        let label = kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst()
        if !result.success {
            await recordEvent(pod, "Warning", "Unhealthy", "\(label) probe failed: \(result.message)")
        }
        switch kind {
        case .readiness:
            if flipped || probes.ready[id] == nil {
                probes.ready[id] = counter.result
                schedule(pod.metadata.uid)
            }
        case .startup:
            if counter.result {
                probes.started[id] = true
                schedule(pod.metadata.uid)
            } else if counter.failedOut {
                await killUnhealthy(pod, container, id, "failed startup probe")
            }
        case .liveness:
            if flipped && !counter.result {
                await killUnhealthy(pod, container, id, "failed liveness probe")
            }
        }
    }

    private func killUnhealthy(_ pod: Pod, _ container: KubeAPI.Container, _ id: String, _ why: String) async {
        probeTasks[pod.metadata.uid]?.removeValue(forKey: id)?.cancel()
        probes.forget(id)
        await recordEvent(pod, "Normal", "Killing", "Container \(container.name) \(why), will be restarted")
        let grace = container.livenessProbe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds
        if let instance = try? await runtime.containerStatus(id) {
            let sandbox = try? await observe(pod.metadata.uid).sandboxes.first
            await stop(instance, of: pod, sandbox: sandbox, grace: grace)
        }
        schedule(pod.metadata.uid)
    }
}
