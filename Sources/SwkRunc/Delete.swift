import Glibc
import SwkSupport

/// `delete [--force] ID`: a stopped or created container is removed; a running one only with
/// --force (killed first). Removes the cgroup and the state directory, then runs poststop hooks.
enum DeleteCommand {
    static let shape = Arguments.Shape(boolean: ["force"], aliases: ["f": "force"])

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "delete")[0]
        let dir = try ctx.dir(id)
        guard FS.exists(dir.statePath) else {
            if a.has("force") {
                try? FS.removeTree(dir.path)
                return 0
            }
            throw SwkError(.notFound, "container \(id) does not exist")
        }
        try delete(dir, force: a.has("force"), log: ctx.log)
        ctx.log.debug("deleted container \(id)")
        return 0
    }

    static func delete(_ dir: StateDir, force: Bool, log: RuncLog, known: ContainerRecord? = nil) throws(SwkError) {
        let record = if let known { known } else { try dir.load() }
        let host = Cgroups.Host.current
        let cgroup = record.cgroup(host)
        let status = record.status(in: dir, host: host)
        if status == .running || status == .paused {
            guard force else {
                throw SwkError(.failedPrecondition, "cannot delete container \(dir.id) that is not stopped: \(status.rawValue)")
            }
        }
        if status != .stopped {
            kill(record.pid, SIGKILL)
            if status == .paused { try? Cgroups.setFrozen(cgroup, false) }
            guard ProcessInfo.waitGone(record.pid, startTime: record.startTime, seconds: 10) else {
                throw SwkError(.unavailable, "container \(dir.id): init (pid \(record.pid)) did not exit after SIGKILL")
            }
        }
        // Without its own pid namespace the init's death does not take the others along.
        let ownPidNamespace = record.config.linux?.namespaces?.contains { $0.type == "pid" && ($0.path ?? "").isEmpty } ?? false
        if !ownPidNamespace {
            for pid in Cgroups.pids(cgroup) { kill(pid, SIGKILL) }
        }
        try Cgroups.destroy(cgroup)
        if !Mounts.hasOwnMountNamespace(record.config) { Mounts.detachRootfs(record.rootfs) }
        try FS.removeTree(dir.path)
        // The container is gone whatever a poststop hook says: the spec makes its failure a warning.
        for failure in Hooks.runAll(record.config.hooks?.poststop, state: record.ociState(.stopped), name: "poststop") {
            log.warning(failure.message)
        }
    }
}
