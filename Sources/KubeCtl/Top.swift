import ArgumentParser
import StateStore
import SwkSupport

/// `swkubectl top pods [NAME] [-n NS | -A] [--containers]`: CPU and memory of each pod, read from
/// its cgroup (the paths the daemon recorded as the runtime named them; for a daemon that did not
/// record them, `/swkube/<pod uid>` and the container id below it) the way kubelet's metrics do it: memory is the working set (usage minus inactive file
/// cache), CPU the usage over a short interval, sampled twice.
public struct TopPods: Sendable {
    public var name: String?
    public var scope: NamespaceScope
    public var containers = false

    public init(name: String? = nil, scope: NamespaceScope = .init()) {
        self.name = name
        self.scope = scope
    }

    /// The CPU sampling interval.
    static let sampleNanos: Int64 = 200_000_000

    /// One cgroup to measure and the row it belongs to.
    private struct Target {
        var pod: PodRecord
        var container: String?
        var cgroup: String
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output(stderr: try daemonWarning(store, ctx) ?? "")
        let pods = try store.pods().filter { scope.contains($0.namespace) && (name == nil || $0.name == name) }
        if pods.isEmpty {
            if let name {
                out.stderr += podNotFound(name, namespace: scope.namespace, in: try store.pods())
                out.exitCode = 1
            } else {
                out.stderr += scope.noResources
            }
            return out
        }
        let cgroups = Cgroups(root: ctx.cgroupRoot)
        var targets: [Target] = []
        for pod in pods {
            let podCgroup = pod.cgroupPath.isEmpty ? "/swkube/\(pod.uid)" : pod.cgroupPath
            guard cgroups.memoryWorkingSet(podCgroup) != nil else { continue }
            if containers {
                for c in pod.containers where !c.containerID.isEmpty && c.state == .running {
                    let cgroup = c.cgroupPath.isEmpty ? "\(podCgroup)/\(c.containerID)" : c.cgroupPath
                    targets.append(Target(pod: pod, container: c.name, cgroup: cgroup))
                }
            } else {
                targets.append(Target(pod: pod, container: nil, cgroup: podCgroup))
            }
        }
        if targets.isEmpty {
            out.stderr += name.map { "error: metrics not available for pod \(scope.namespace)/\($0): it is not running\n" }
                ?? "error: metrics not available yet: no pod in scope is running\n"
            out.exitCode = 1
            return out
        }
        let start = ctx.clock()
        let before = targets.map { cgroups.cpuUsageNanos($0.cgroup) }
        ctx.pause(Self.sampleNanos)
        let elapsed = max(ctx.clock() - start, 1)
        var text = (scope.all ? "NAMESPACE\t" : "") + (containers ? "POD\tNAME\t" : "NAME\t") + "CPU(cores)\tMEMORY(bytes)\n"
        for (t, cpu0) in zip(targets, before) {
            var millicores = "<unknown>"
            if let a = cpu0, let b = cgroups.cpuUsageNanos(t.cgroup) { millicores = "\(max(b - a, 0) * 1000 / elapsed)m" }
            let memory = cgroups.memoryWorkingSet(t.cgroup).map { "\($0 / (1024 * 1024))Mi" } ?? "<unknown>"
            text += (scope.all ? "\(t.pod.namespace)\t" : "") + "\(t.pod.name)\t" + (t.container.map { "\($0)\t" } ?? "")
                + "\(millicores)\t\(memory)\n"
        }
        out.stdout = TabWriter.table.format(text)
        return out
    }
}

/// Reads cgroup statistics, per controller from the v1 hierarchy when it has the file and from
/// the v2 one (at the root, or at `unified/` on a hybrid host) otherwise.
struct Cgroups {
    var root: String

    /// Memory in use minus the inactive file cache (kubelet's working set), nil without a cgroup.
    func memoryWorkingSet(_ cgroup: String) -> Int64? {
        if let usage = number("\(root)/memory\(cgroup)/memory.usage_in_bytes") {
            let inactive = stat("\(root)/memory\(cgroup)/memory.stat", "total_inactive_file") ?? 0
            return max(usage - inactive, 0)
        }
        for base in [root, "\(root)/unified"] {
            if let current = number("\(base)\(cgroup)/memory.current") {
                return max(current - (stat("\(base)\(cgroup)/memory.stat", "inactive_file") ?? 0), 0)
            }
        }
        return nil
    }

    /// Total CPU time the cgroup has used, in nanoseconds.
    func cpuUsageNanos(_ cgroup: String) -> Int64? {
        for dir in ["cpuacct", "cpu,cpuacct"] {
            if let n = number("\(root)/\(dir)\(cgroup)/cpuacct.usage") { return n }
        }
        for base in [root, "\(root)/unified"] {
            if let usec = stat("\(base)\(cgroup)/cpu.stat", "usage_usec") { return usec * 1000 }
        }
        return nil
    }

    private func number(_ path: String) -> Int64? {
        (try? FS.readString(path)).flatMap { Int64($0.trimmingSpaces) }
    }

    /// The value of `key` in a flat-keyed file (`key value` per line).
    private func stat(_ path: String, _ key: String) -> Int64? {
        guard let text = try? FS.readString(path) else { return nil }
        for line in text.split(separator: "\n") {
            let kv = line.split(separator: " ")
            if kv.count == 2, kv[0] == key { return Int64(kv[1]) }
        }
        return nil
    }
}

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show CPU and memory use of pods.", subcommands: [TopPodsCommand.self])
}

struct TopPodsCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "pods", abstract: "CPU (millicores) and memory (working set) of pods.", aliases: ["pod", "po"])

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ns: NamespaceOptions
    @Flag(help: "One line per container.") var containers = false
    @Argument(help: "A pod name.", completion: .custom(podNames)) var name: String?

    func output(_ ctx: Context) throws(SwkError) -> Output {
        var top = TopPods(name: name, scope: ns.scope)
        top.containers = containers
        return try top.run(global.paths, ctx)
    }
}
