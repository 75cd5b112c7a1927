import CRI
import Glibc
import KubeAPI
import StateStore
import SwkSupport

/// Carrying out one pod's sync (kubelet's SyncPod), in numbered steps; each step records its
/// result as an event or a waiting reason, and a failed step never touches other pods.
extension NodeController {
    func syncPod(_ uid: String) async {
        let observed: ObservedPod
        do {
            observed = try await observe(uid)
        } catch {
            logger.error("observe pod \(uid): \(error)")
            return
        }
        guard let want = desired[uid] else {
            await teardown(uid, observed)
            return
        }
        let pod = want.pod
        let evicted = await housekeeping.evictionMessage(uid, want)
        let rejection = builder.sysctls.admit(pod)
        if let rejection, rejections[uid] != rejection {
            logger.warning("pod \(pod.metadata.namespace)/\(pod.metadata.name) rejected: \(rejection.message)")
            await recordEvent(pod, .warning, rejection.reason, rejection.message)
        }
        rejections[uid] = rejection
        let actions = computePodActions(desired: pod, observed: observed, backoff: backoff, now: clock.now(),
                                        evictionMessage: evicted, rejection: rejection)
        if actions.deadlineExceeded && !actions.containersToKill.isEmpty {
            await recordEvent(pod, .warning, .deadlineExceeded, "Pod was active on the node longer than the specified deadline")
        }
        if !actions.isEmpty {
            await carryOut(actions, for: pod, observed: observed)
        }
        for name in actions.backingOff.keys.sorted() {
            await recordEvent(pod, .warning, .backOff, "Back-off restarting failed container \(name) in pod \(pod.metadata.name)")
        }
        for at in Array(actions.backingOff.values) + [deadlineOf(pod, observed)].compactMap({ $0 }) where at > clock.now() {
            wakeups[uid] = min(wakeups[uid] ?? .max, at)
        }
        // Status comes from a fresh observation, so what readers see is what the runtime holds.
        let final = actions.isEmpty ? observed : ((try? await observe(uid)) ?? observed)
        let finalActions = actions.isEmpty ? actions
            : computePodActions(desired: pod, observed: final, backoff: backoff, now: clock.now(),
                                evictionMessage: evicted, rejection: rejection)
        let created = await status.createdAt(uid) ?? clock.now()
        await probes.update(pod, final)
        var input = PodStatusInput(pod: pod, file: want.file, specJSON: want.specJSON, observed: final,
                                   actions: finalActions, failures: failures[uid] ?? [:], createdAt: created)
        input.probes = await probes.states()
        let record = computePodStatus(input)
        do {
            try await status.write(record)
        } catch {
            logger.error("record status of pod \(pod.metadata.name): \(error)")
        }
    }

    /// Everything the runtime holds for the pod with this uid, broken networks as not ready.
    func observe(_ uid: String) async throws -> ObservedPod {
        try await runtime.observePod(uid, brokenNetworks: await housekeeping.broken())
    }

    private func carryOut(_ actions: PodActions, for pod: Pod, observed: ObservedPod) async {
        let uid = pod.metadata.uid
        // Restart counts carry over a sandbox recreation, as kubelet's do.
        var restarts: [String: Int32] = [:]
        for name in Set(observed.containers.map(\.metadata.name)) {
            if let latest = observed.latest(name) {
                restarts[name] = (Int32(latest.annotations[KubeLabels.restartCount] ?? "") ?? 0) + 1
            }
        }

        // Step 1: kill the whole pod when its sandbox is gone, changed or not ready.
        if actions.killPod {
            await recordEvent(pod, .normal, .sandboxChanged, "pod sandbox changed, it will be killed and re-created")
            await killAll(observed, pod: pod, grace: pod.spec.terminationGracePeriodSeconds)
        }

        // Step 2: kill containers that changed or left the spec.
        for (id, reason) in actions.containersToKill.sorted(by: { $0.key < $1.key }) {
            guard let instance = observed.containers.first(where: { $0.id == id }) else { continue }
            await recordEvent(pod, .normal, .killing, "Stopping container \(instance.metadata.name): \(reason)")
            if actions.evictionMessage != nil || actions.rejection != nil {
                // As kubelet's eviction: no grace beyond the minimum; kept for the pod's status.
                await hooks.stop(instance, of: pod, sandbox: observed.sandboxes.first, grace: PreStopHook.minimumGrace)
            } else if actions.deadlineExceeded {
                // Kept, not removed: its exit stays in the pod's status.
                await hooks.stop(instance, of: pod, sandbox: observed.sandboxes.first, grace: pod.spec.terminationGracePeriodSeconds)
            } else {
                await stopAndRemove(instance, pod: pod, sandbox: observed.sandboxes.first, grace: pod.spec.terminationGracePeriodSeconds)
            }
        }

        // Step 2b: an evicted pod's sandbox releases its network (kept, for the pod's status).
        if let id = actions.sandboxToStop {
            do { try await runtime.stopPodSandbox(id) } catch { logger.error("stop sandbox \(id): \(error)") }
        }

        // Step 3: create the sandbox.
        var sandboxID = actions.sandboxID
        let sandboxConfig = builder.sandboxConfig(for: pod, attempt: actions.sandboxAttempt)
        if actions.createSandbox {
            do {
                let id = try await runtime.runPodSandbox(sandboxConfig)
                await housekeeping.attached(id)
                sandboxID = id
            } catch {
                await recordEvent(pod, .warning, .failedCreatePodSandBox, "Failed to create pod sandbox: \(error)")
                for c in pod.spec.containers {
                    failures[uid, default: [:]][c.name] = StartFailure(reason: "ContainerCreating", message: "\(error)")
                }
                return
            }
        }
        guard let sandboxID else { return }

        // Step 4: start containers, in spec order.
        for name in actions.containersToStart {
            guard let container = (pod.spec.initContainers + pod.spec.containers).first(where: { $0.name == name }) else { continue }
            await start(container, in: pod, sandboxID: sandboxID, sandboxConfig: sandboxConfig,
                        restartCount: restarts[name] ?? 0, previous: actions.killPod ? nil : observed.latest(name),
                        observed: observed)
        }
    }

    private func start(_ container: KubeAPI.Container, in pod: Pod, sandboxID: String, sandboxConfig: PodSandboxConfig,
                       restartCount: Int32, previous: ContainerStatus?, observed: ObservedPod) async {
        let uid = pod.metadata.uid
        // 4a: the image, per imagePullPolicy; a failed pull waits out its backoff (ImagePullBackOff).
        do {
            try await ensureImage(container, pod: pod, sandboxConfig: sandboxConfig)
        } catch let wait as ImagePullWait {
            let last = failures[uid]?[container.name]
            if last?.reason != "ImagePullBackOff" {
                let cause = last.map { ": \($0.message)" } ?? ""
                failures[uid, default: [:]][container.name] = StartFailure(
                    reason: "ImagePullBackOff", message: "Back-off pulling image \"\(container.image)\"\(cause)")
                await recordEvent(pod, .normal, .backOff, "Back-off pulling image \"\(container.image)\"")
            }
            wakeups[uid] = min(wakeups[uid] ?? .max, wait.until)
            return
        } catch {
            failures[uid, default: [:]][container.name] = StartFailure(reason: "ErrImagePull", message: "\(error)")
            await recordEvent(pod, .warning, .failed, "Failed to pull image \"\(container.image)\": \(error)")
            // Look again at the next relist, which finds the backoff running and says so.
            wakeups[uid] = clock.now()
            return
        }
        // 4b: a restart of an exited instance counts against the backoff; older instances go.
        if let previous, previous.state == .exited {
            let key = BackoffKey(podUID: uid, container: container.name, specHash: container.specHash)
            backoff.recordRestart(key, now: clock.now(), ranFor: previous.finishedAt - previous.startedAt)
        }
        for old in observed.containers where old.metadata.name == container.name && old.id != previous?.id && old.state == .exited {
            try? await runtime.removeContainer(old.id)
        }
        // 4c: create and start.
        let id: String
        do {
            let podIP = (try? await runtime.podSandboxStatus(sandboxID))?.network.ip ?? ""
            let image = try? await images.imageStatus(ImageSpec(image: container.image))
            let config: ContainerConfig
            let objects = desired[uid]?.objects ?? .init()
            do {
                config = try builder.containerConfig(for: container, in: pod, restartCount: restartCount, podIP: podIP,
                                                     objects: objects, image: image ?? nil)
                for warning in builder.environment.skippedKeyWarnings(for: container, in: pod, objects: objects) {
                    await recordEvent(pod, .warning, .invalidEnvironmentVariableNames, warning)
                }
            } catch {
                failures[uid, default: [:]][container.name] = StartFailure(reason: "CreateContainerConfigError", message: "\(error)")
                await recordEvent(pod, .warning, .failed, "Error: \(error)")
                return
            }
            id = try await runtime.createContainer(sandboxID, config, sandboxConfig)
        } catch {
            failures[uid, default: [:]][container.name] = StartFailure(reason: "CreateContainerError", message: "\(error)")
            await recordEvent(pod, .warning, .failed, "Error: \(error)")
            return
        }
        await recordEvent(pod, .normal, .created, "Created container \(container.name)")
        do {
            try await runtime.startContainer(id)
        } catch {
            failures[uid, default: [:]][container.name] = StartFailure(reason: "RunContainerError", message: "\(error)")
            await recordEvent(pod, .warning, .failed, "Error: \(error)")
            return
        }
        failures[uid]?[container.name] = nil
        await recordEvent(pod, .normal, .started, "Started container \(container.name)")
        await hooks.runPostStart(container, of: pod, id: id, sandboxID: sandboxID)
    }

    private func ensureImage(_ container: KubeAPI.Container, pod: Pod, sandboxConfig: PodSandboxConfig) async throws {
        let spec = ImageSpec(image: container.image)
        let present = try await images.imageStatus(spec) != nil
        switch container.imagePullPolicy {
        case .never where !present:
            throw SwkError(.notFound, "image \"\(container.image)\" is not present with pull policy of Never")
        case .ifNotPresent where present, .never:
            return
        default:
            // Failed pulls back off like CrashLoopBackOff, per pod, container and image (an edit starts over).
            let key = BackoffKey(podUID: pod.metadata.uid, container: container.name, specHash: "image:\(container.image)")
            if let until = backoff.retryAt(key), until > clock.now() { throw ImagePullWait(until: until) }
            await recordEvent(pod, .normal, .pulling, "Pulling image \"\(container.image)\"")
            do {
                _ = try await images.pullImage(spec, sandboxConfig)
            } catch {
                backoff.recordRestart(key, now: clock.now(), ranFor: 0)
                throw error
            }
            backoff.reset(key)
            await recordEvent(pod, .normal, .pulled, "Successfully pulled image \"\(container.image)\"")
        }
    }

    /// Stops every container (with the grace period) and removes every sandbox of the pod.
    private func killAll(_ observed: ObservedPod, pod: Pod?, grace: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            for container in observed.containers {
                group.addTask { await self.stopAndRemove(container, pod: pod, sandbox: observed.sandboxes.first, grace: grace) }
            }
        }
        for sandbox in observed.sandboxes {
            do {
                try await runtime.stopPodSandbox(sandbox.id)
                try await runtime.removePodSandbox(sandbox.id)
            } catch {
                logger.error("remove sandbox \(sandbox.id): \(error)")
            }
        }
    }

    private func stopAndRemove(_ instance: ContainerStatus, pod: Pod?, sandbox: PodSandboxStatus?, grace: Int64) async {
        await hooks.stop(instance, of: pod, sandbox: sandbox, grace: grace)
        do {
            try await runtime.removeContainer(instance.id)
        } catch {
            logger.error("remove container \(instance.id): \(error)")
        }
    }

    /// The pod's manifest is gone: stop it with its grace period, remove it, forget it.
    private func teardown(_ uid: String, _ observed: ObservedPod) async {
        if !observed.isEmpty {
            let grace = observed.containers.compactMap {
                Int64($0.annotations[SwkubeAnnotations.terminationGracePeriod] ?? "")
            }.max() ?? 30
            logger.info("removing pod \(uid): its manifest is gone")
            await killAll(observed, pod: nil, grace: grace)
        }
        await probes.stop(uid)
        backoff.forget(podUID: uid)
        failures[uid] = nil
        wakeups[uid] = nil
        await housekeeping.forget(uid)
        rejections[uid] = nil
        do {
            try await status.delete(uid: uid)
        } catch {
            logger.error("delete status of pod \(uid): \(error)")
        }
    }
}

/// A pull that failed before is not retried until its backoff expires at `until`.
struct ImagePullWait: Error {
    var until: Int64
}
