import StateStore
import SwkSupport

/// What `get pods` shows for a pod, derived from the stored record exactly as kubectl's printPod
/// derives it from a Pod's status (pkg/printers/internalversion), so the words and the order of
/// precedence match what operators know.
struct PodSummary: Equatable {
    var ready: String
    var status: String
    var restarts: String

    init(_ pod: PodRecord, now: Int64) {
        let initContainers = pod.containers.filter(\.isInit)
        let containers = pod.containers.filter { !$0.isInit }
        let sidecars = sidecarNames(pod)
        var reason = pod.reason.isEmpty ? pod.phase.rawValue : pod.reason
        var restarts: Int64 = 0
        var lastRestart: Int64 = 0
        var readyCount = 0
        var total = containers.count

        // The first init container that has not succeeded decides the status; a started
        // sidecar (an init container with restartPolicy Always) counts as an app container.
        var initializing = false
        for (i, c) in initContainers.enumerated() {
            restarts += Int64(c.restartCount)
            lastRestart = max(lastRestart, c.lastFinishedAt)
            if sidecars.contains(c.name) && (c.state == .running || c.lastExitCode != nil) {
                total += 1
                if c.ready && c.state == .running { readyCount += 1 }
                continue
            }
            if c.state == .terminated && c.exitCode == 0 { continue }
            initializing = true
            if c.state == .terminated {
                reason = c.reason.isEmpty ? "Init:ExitCode:\(c.exitCode)" : "Init:\(c.reason)"
            } else if c.state == .waiting && !c.reason.isEmpty && c.reason != "PodInitializing" {
                reason = "Init:\(c.reason)"
            } else {
                reason = "Init:\(i)/\(initContainers.count)"
            }
            break
        }

        if !initializing {
            let running = initContainers.filter { sidecars.contains($0.name) }
            restarts = running.reduce(0) { $0 + Int64($1.restartCount) }
            lastRestart = running.map(\.lastFinishedAt).max() ?? 0
            var hasRunning = false
            // Backwards, so the first container with a reason wins.
            for c in containers.reversed() {
                restarts += Int64(c.restartCount)
                lastRestart = max(lastRestart, c.lastFinishedAt)
                if c.state == .waiting && !c.reason.isEmpty {
                    reason = c.reason
                } else if c.state == .terminated {
                    reason = c.reason.isEmpty ? "ExitCode:\(c.exitCode)" : c.reason
                } else if c.ready && c.state == .running {
                    hasRunning = true
                    readyCount += 1
                }
            }
            if reason == "Completed" && hasRunning {
                reason = PodConditions(pod).ready ? "Running" : "NotReady"
            }
        }

        ready = "\(readyCount)/\(total)"
        status = reason
        self.restarts = lastRestart > 0 && restarts > 0
            ? "\(restarts) (\(TimeText.since(lastRestart, now: now)) ago)"
            : "\(restarts)"
    }
}

/// The init containers the stored pod spec declares with `restartPolicy: Always` (sidecars).
func sidecarNames(_ pod: PodRecord) -> Set<String> {
    guard pod.specJSON.contains("restartPolicy"), let json = try? JSONValue.parse(pod.specJSON),
          case .array(let inits)? = (json["spec"] ?? json)["initContainers"] else { return [] }
    return Set(inits.compactMap { c in
        guard case .string("Always")? = c["restartPolicy"], case .string(let name)? = c["name"] else { return nil }
        return name
    })
}

/// The pod conditions Kubernetes reports, derived from the container states (not stored).
struct PodConditions: Equatable {
    var initialized: Bool
    var containersReady: Bool
    var ready: Bool

    init(_ pod: PodRecord) {
        let sidecars = sidecarNames(pod)
        initialized = pod.containers.allSatisfy {
            !$0.isInit || ($0.state == .terminated && $0.exitCode == 0) || (sidecars.contains($0.name) && $0.state == .running)
        }
        let containers = pod.containers.filter { !$0.isInit }
        containersReady = !containers.isEmpty && containers.allSatisfy(\.ready)
        ready = initialized && containersReady
    }

    /// In the order `describe` lists them.
    var list: [(type: String, status: Bool)] {
        [("Initialized", initialized), ("Ready", ready), ("ContainersReady", containersReady), ("PodScheduled", true)]
    }
}
