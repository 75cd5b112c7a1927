import CSwkSys
import Glibc
import OCI
import SwkSupport

/// `exec [--process F | ID CMD…]`: a new process in a running container's namespaces and cgroup,
/// with the container's seccomp filter. The process starts from the bundle's `process` (as runc
/// does) with the command line's overrides.
enum ExecCommand {
    static let shape = Arguments.Shape(
        valued: ["process", "pid-file", "console-socket", "cwd", "env", "user", "additional-gids", "cap",
                 "preserve-fds", "process-label", "apparmor", "cgroup", "pidfd-socket"],
        boolean: ["detach", "tty", "no-new-privs", "ignore-paused", "no-subreaper"],
        aliases: ["p": "process", "d": "detach", "t": "tty", "e": "env", "u": "user", "g": "additional-gids", "c": "cap"],
        positionalLimit: 1)

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "exec")[0]
        let dir = try ctx.dir(id)
        let record = try dir.load()
        let host = Cgroups.Host.current
        let status = record.status(in: dir, host: host)
        guard status == .running || status == .created || (status == .paused && a.has("ignore-paused")) else {
            throw SwkError(.failedPrecondition, "cannot exec in container \(id): it is \(status.rawValue)")
        }
        let process = try processSpec(a, base: record.config.process, rootfs: record.rootfs)
        var launch = Launch(process: try ProcessPlan(process, field: a.value("process") == nil ? "exec" : "process"))
        launch.process.env = Users.withHome(launch.process.env, uid: launch.process.uid, rootfs: record.rootfs)
        for kind in Namespaces.all {
            let target = String(record.pid)
            guard let theirs = Namespaces.inode(pid: target, kind.procName) else { continue }
            if theirs != Namespaces.inode(pid: "self", kind.procName) {
                launch.joins.append((path: "/proc/\(target)/ns/\(kind.procName)", flag: kind.flag))
            }
        }
        launch.sessionKeyring = Launch.sessionKeyring(id: id)
        if let seccomp = record.config.linux?.seccomp { launch.seccomp = try SeccompCache.program(seccomp, root: ctx.root) }
        if let n = a.value("preserve-fds") { launch.preserveFDs = Int32(n) ?? 0 }
        if launch.process.terminal {
            guard let socket = a.value("console-socket") else {
                throw SwkError(.invalidArgument, "exec: a terminal needs --console-socket")
            }
            launch.consoleFD = swk_connect_unix(FS.absolute(socket))
            guard launch.consoleFD >= 0 else { throw .errno("connect console socket \(socket)") }
        }
        defer { if launch.consoleFD >= 0 { close(launch.consoleFD) } }
        let cgroup = record.cgroup(host)
        // Blocked before the clone (the child unblocks them before its execve): a signal that comes
        // while the process starts is relayed, not fatal to us.
        let signals = ForwardedSignals.block()
        defer { signals.restore() }
        let pid = try Launcher.start(launch) { pid throws(SwkError) in
            try Cgroups.add(cgroup, pid: pid)
            if let adj = launch.process.oomScoreAdj { try ProcessPlan.setOOMScoreAdj(pid: pid, adj) }
        }
        if let pidFile = a.value("pid-file") { try FS.writeAtomic(FS.absolute(pidFile), String(pid)) }
        if a.has("detach") { return 0 }
        // As runc's exec: our signals go on to the process (swkubectl sends them to us only).
        return Spawn.exitCode(fromWaitStatus: try signals.relayUntilExit(pid))
    }

    private static func processSpec(_ a: Arguments, base: Process?, rootfs: String) throws(SwkError) -> Process {
        if let file = a.value("process") { return try Config.decode(Process.self, path: file) }
        var p = base ?? Process()
        p.args = Array(a.positional.dropFirst())
        guard !(p.args ?? []).isEmpty else { throw SwkError(.invalidArgument, "exec: command required") }
        p.terminal = a.has("tty")
        p.env = (p.env ?? []) + a.all("env")
        if let cwd = a.value("cwd") { p.cwd = cwd }
        if let user = a.value("user") {
            let ids = try Users.resolve(user, rootfs: rootfs)
            p.user.uid = ids.uid
            p.user.gid = ids.gid
        }
        if let gids = a.value("additional-gids") {
            p.user.additionalGids = gids.split(separator: ",").compactMap { UInt32($0) }
        }
        let added = a.all("cap")
        if !added.isEmpty {
            var caps = p.capabilities ?? LinuxCapabilities()
            caps.bounding = (caps.bounding ?? []) + added
            caps.effective = (caps.effective ?? []) + added
            caps.permitted = (caps.permitted ?? []) + added
            p.capabilities = caps
        }
        if a.has("no-new-privs") { p.noNewPrivileges = true }
        return p
    }
}

/// `ps [--format table|json] ID [ps options]`: the container's processes (from its cgroup).
enum PsCommand {
    static let shape = Arguments.Shape(valued: ["format"], aliases: ["f": "format"], positionalLimit: 1)

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "ps")[0]
        let dir = try ctx.dir(id)
        let record = try dir.load()
        let pids = Cgroups.pids(record.cgroup(Cgroups.Host.current)).sorted()
        if a.value("format") == "json" {
            emit("[" + pids.map(String.init).joined(separator: ",") + "]\n")
            return 0
        }
        let psArgs = a.positional.count > 1 ? Array(a.positional.dropFirst()) : ["-ef"]
        let out = try Spawn.run(["/bin/ps"] + psArgs)
        guard out.status == 0 else { throw SwkError(.system, "ps: \(out.stderr)") }
        let lines = out.stdout.split(separator: "\n")
        guard let header = lines.first, let column = header.split(separator: " ").firstIndex(of: "PID") else {
            throw SwkError(.system, "ps: no PID column in its output")
        }
        let wanted = Set(pids)
        var text = String(header) + "\n"
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > column, let pid = pid_t(fields[column]), wanted.contains(pid) { text += line + "\n" }
        }
        emit(text)
        return 0
    }
}
