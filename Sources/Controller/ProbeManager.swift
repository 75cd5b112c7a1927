import CRI
import KubeAPI

/// The probe manager (kubelet's prober manager): the single owner of the probe workers and of
/// their results. A pod sync hands it the pod and what the runtime holds (`update`); it starts one
/// worker task per running container that has probes (one loop per probe kind, the startup probe
/// gating the others) and stops the workers of containers that no longer run. A result that
/// changes what the pod's status says (ready, started) asks the pod workers for a sync; a liveness
/// or startup failure kills the container (its preStop hook first), and the sync then restarts it
/// per the pod's restartPolicy.
actor ProbeManager {
    let runtime: any RuntimeService
    let clock: any NodeClock
    let events: EventRecorder
    let hooks: LifecycleHooks
    /// Where result changes go: a sync of the pod.
    let workers: PodWorkers

    private var results = ProbeStates()
    /// The worker of each probed container, by pod uid and container id.
    private var tasks: [String: [String: Task<Void, Never>]] = [:]

    init(runtime: any RuntimeService, clock: any NodeClock, events: EventRecorder, hooks: LifecycleHooks,
         workers: PodWorkers) {
        self.runtime = runtime
        self.clock = clock
        self.events = events
        self.hooks = hooks
        self.workers = workers
    }

    /// What the probes say now, for the pod's status.
    func states() -> ProbeStates {
        results
    }

    /// The container ids of the pod that have a probe worker.
    func probedContainers(_ uid: String) -> Set<String> {
        Set(tasks[uid].map { Array($0.keys) } ?? [])
    }

    /// Starts workers for running containers that have probes and stops those of containers
    /// that no longer run.
    func update(_ pod: Pod, _ observed: ObservedPod) {
        let uid = pod.metadata.uid
        var running: Set<String> = []
        if let sandbox = observed.sandboxes.first {
            for container in pod.spec.initContainers + pod.spec.containers {
                guard let current = observed.latest(container.name), current.state == .running,
                      ProbeKind.allCases.contains(where: { $0.probe(of: container) != nil }) else { continue }
                running.insert(current.id)
                guard tasks[uid]?[current.id] == nil else { continue }
                let target = HandlerTarget(containerID: current.id, podSandboxID: sandbox.id, podIP: sandbox.network.ip,
                                           hostNetwork: pod.spec.hostNetwork, ports: container.ports)
                tasks[uid, default: [:]][current.id] = Task { await self.runProbes(pod, container, target) }
            }
        }
        for (id, task) in tasks[uid] ?? [:] where !running.contains(id) {
            task.cancel()
            tasks[uid]?[id] = nil
            results.forget(id)
        }
        if tasks[uid]?.isEmpty == true { tasks[uid] = nil }
    }

    /// Stops every probe worker of a pod (it is going away).
    func stop(_ uid: String) {
        for (id, task) in tasks.removeValue(forKey: uid) ?? [:] {
            task.cancel()
            results.forget(id)
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
            let gated = kind != .startup && container.startupProbe != nil && !results.isStarted(target.containerID)
            if kind == .startup && results.isStarted(target.containerID) { return }
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
        guard tasks[pod.metadata.uid]?[id] != nil else { return }
        let label = kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst()
        if !result.success {
            await events.record(pod, .warning, .unhealthy, "\(label) probe failed: \(result.message)")
        }
        switch kind {
        case .readiness:
            if flipped || results.ready[id] == nil {
                results.ready[id] = counter.result
                await workers.update(pod.metadata.uid)
            }
        case .startup:
            if counter.result {
                results.started[id] = true
                await workers.update(pod.metadata.uid)
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
        tasks[pod.metadata.uid]?.removeValue(forKey: id)?.cancel()
        results.forget(id)
        await events.record(pod, .normal, .killing, "Container \(container.name) \(why), will be restarted")
        let grace = container.livenessProbe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds
        if let instance = try? await runtime.containerStatus(id) {
            let sandbox = try? await runtime.observePod(pod.metadata.uid).sandboxes.first
            await hooks.stop(instance, of: pod, sandbox: sandbox, grace: grace)
        }
        await workers.update(pod.metadata.uid)
    }
}
