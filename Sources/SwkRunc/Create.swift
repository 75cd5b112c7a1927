import CSwkSys
import Glibc
import OCI
import SwkSupport

/// `create`: set up the container and leave its init blocked on the exec FIFO until `start`.
/// The init is our clone child but we do not wait for it: once we exit it is reparented to the
/// caller's subreaper (the shim), exactly as with runc.
enum CreateCommand {
    static let shape = Arguments.Shape(
        valued: ["bundle", "pid-file", "console-socket", "preserve-fds", "pidfd-socket"],
        boolean: ["no-pivot", "no-new-keyring"],
        aliases: ["b": "bundle"])

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "create")[0]
        let options = try Options(a)
        _ = try create(id: id, options: options, ctx)
        return 0
    }

    struct Options {
        var bundle: String
        var pidFile: String?
        var consoleSocket: String?
        var preserveFDs: Int32 = 0

        init(_ a: Arguments) throws(SwkError) {
            var bundle = FS.absolute(a.value("bundle") ?? ".")
            while bundle.count > 1 && bundle.hasSuffix("/") { bundle.removeLast() }
            if bundle.hasSuffix("/.") { bundle.removeLast(2) }
            self.bundle = bundle
            pidFile = a.value("pid-file").map(FS.absolute)
            consoleSocket = a.value("console-socket").map(FS.absolute)
            if let n = a.value("preserve-fds") {
                guard let v = Int32(n), v >= 0 else { throw SwkError(.invalidArgument, "--preserve-fds: \(n) is not a count") }
                preserveFDs = v
            }
        }
    }

    /// Creates the container and returns its record (the init pid is `record.pid`).
    static func create(id: String, options: Options, _ ctx: Context) throws(SwkError) -> ContainerRecord {
        let dir = try ctx.dir(id)
        if dir.exists { throw SwkError(.alreadyExists, "container \(id) already exists") }
        let (spec, rawConfig) = try Config.load(bundle: options.bundle)
        let host = Cgroups.Host.current
        let plan = try Plan.make(spec: spec, id: id, bundle: options.bundle, host: host, stateRoot: ctx.root)
        if plan.launch.process.terminal && options.consoleSocket == nil {
            throw SwkError(.invalidArgument, "config.json: process.terminal is true but no --console-socket was given")
        }
        if !plan.launch.process.terminal && options.consoleSocket != nil {
            throw SwkError(.invalidArgument, "--console-socket given but config.json: process.terminal is false")
        }

        // From here on everything created is undone on failure, in reverse order.
        var undo: [() -> Void] = []
        func rollback() { for step in undo.reversed() { step() } }
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        do throws(SwkError) {
            try FS.makeDirectories(ctx.root, mode: 0o700)
            guard mkdir(dir.path, 0o711) == 0 else {
                if errno == EEXIST { throw SwkError(.alreadyExists, "container \(id) already exists") }
                throw .errno("create state directory \(dir.path)")
            }
            undo.append { try? FS.removeTree(dir.path) }
            guard mkfifo(dir.fifoPath, 0o622) == 0, chmod(dir.fifoPath, 0o622) == 0 else {
                throw .errno("create exec fifo \(dir.fifoPath)")
            }
            var launch = plan.launch
            launch.fifoFD = swk_open(dir.fifoPath, 0o10000000 /* O_PATH */ | O_CLOEXEC, 0)
            guard launch.fifoFD >= 0 else { throw .errno("open exec fifo \(dir.fifoPath)") }
            fds.append(launch.fifoFD)
            if let socket = options.consoleSocket {
                launch.consoleFD = swk_connect_unix(socket)
                guard launch.consoleFD >= 0 else { throw .errno("connect console socket \(socket)") }
                fds.append(launch.consoleFD)
            }
            launch.preserveFDs = options.preserveFDs
            let created = Timestamp.now().rfc3339
            launch.hookState = { pid in
                StateJSON.compact(State(id: id, pid: pid, status: Status.created.rawValue, bundle: options.bundle,
                                        rootfs: plan.rootfs, created: created, annotations: spec.annotations))
            }
            var resources = spec.linux?.resources
            if let rules = resources?.devices, !rules.isEmpty { resources?.devices = rules + Cgroups.defaultDevices }
            let createdCgroups = try Cgroups.create(plan.cgroup, resources: resources)
            undo.append { try? Cgroups.removeDirectories(createdCgroups) }
            let chrootOnly = plan.launch.rootfs?.chrootOnly == true
            let mountsBefore = chrootOnly ? Mounts.mountCount(at: plan.rootfs) : 0
            undo.append {
                if chrootOnly && Mounts.mountCount(at: plan.rootfs) > mountsBefore { Mounts.detachRootfs(plan.rootfs) }
            }
            let pid = try Launcher.start(launch) { pid throws(SwkError) in
                try Cgroups.add(plan.cgroup, pid: pid)
                try UserNamespace.writeMappings(pid: pid, spec: spec)
                if let adj = plan.launch.process.oomScoreAdj { try ProcessPlan.setOOMScoreAdj(pid: pid, adj) }
            }
            undo.append {
                // Still our child: kill and reap it so its cgroup empties before removal.
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            guard let info = ProcessInfo.stat(pid) else {
                throw SwkError(.internal, "container init (pid \(pid)) vanished after setup")
            }
            let record = ContainerRecord(
                id: id, pid: pid, startTime: info.startTime, bundle: options.bundle, rootfs: plan.rootfs,
                created: created, annotations: spec.annotations, cgroupPath: plan.cgroup.path,
                config: spec)
            try dir.save(record, rawConfig: rawConfig)
            let state = record.ociState(.created)
            try Hooks.run(spec.hooks?.prestart, state: state, name: "prestart")
            try Hooks.run(spec.hooks?.createRuntime, state: state, name: "createRuntime")
            if let pidFile = options.pidFile { try FS.writeAtomic(pidFile, String(pid)) }
            ctx.log.debug("created container \(id): init pid \(pid), cgroup \(plan.cgroup.path)")
            return record
        } catch {
            rollback()
            throw error
        }
    }
}

/// Mappings of a new user namespace, written by the runtime before the child continues.
enum UserNamespace {
    static func writeMappings(pid: pid_t, spec: Spec) throws(SwkError) {
        guard spec.linux?.namespaces?.contains(where: { $0.type == "user" && ($0.path ?? "").isEmpty }) == true else { return }
        for (file, maps) in [("uid_map", spec.linux?.uidMappings ?? []), ("gid_map", spec.linux?.gidMappings ?? [])] {
            let text = maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
            try Cgroups.write("/proc/\(pid)/\(file)", text)
        }
    }
}
