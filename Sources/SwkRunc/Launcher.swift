import CSwkSys
import Glibc
import OCI
import SwkSupport

/// Everything the C child does inside the new mount namespace, planned in Swift.
struct RootfsPlan {
    var rootfs: String
    var readonly: Bool
    var rootPropagation: UInt = 0
    var rootfsPropagation: UInt = 0
    var mounts: [Mounts.Planned]
    var devices: [Mounts.DeviceNode]
    var symlinks: [(target: String, path: String)]
    var masked: [String]
    var readonlyPaths: [String]
    var sysctl: [(path: String, value: String)]
    /// No mount namespace (created or joined): set up in the runtime's and chroot; `delete`
    /// detaches the rootfs bind again (`Mounts.detachRootfs`).
    var chrootOnly = false
}

/// One container process to start: the init of `create`/`run`, or an `exec` process.
struct Launch {
    var cloneFlags: Int32 = 0
    var unshareCgroup = false
    /// The session keyring to join, created by the init (`sessionKeyring(id:)`), or nil.
    var sessionKeyring: String?
    /// Namespaces to enter (setns); a pid namespace is entered by the runtime before clone.
    var joins: [(path: String, flag: Int32)] = []
    var rootfs: RootfsPlan?
    var hostname: String?
    var domainname: String?
    var process: ProcessPlan
    var seccomp: Seccomp.Program?
    var personality: Int32 = -1
    var fifoFD: Int32 = -1
    var consoleFD: Int32 = -1
    var preserveFDs: Int32 = 0
    /// Hooks the init runs itself, in the container's namespaces, fed `hookState(pid)`.
    var createContainerHooks: [Hook] = []
    var startContainerHooks: [Hook] = []
    var hookState: ((pid_t) -> String)?

    /// runc's name for a container's session keyring, which its exec processes join too.
    static func sessionKeyring(id: String) -> String { "_ses." + id }
}

/// Starts one container process through the C clone child and reads its verdict.
enum Launcher {
    /// Clones the child, lets `place` put it in its cgroup (and anything else that needs its pid),
    /// releases it and waits for its verdict: READY (blocked on the exec FIFO) or, without a FIFO,
    /// a successful execve. On any failure the child is killed and reaped before this throws.
    static func start(_ launch: Launch, place: (pid_t) throws(SwkError) -> Void) throws(SwkError) -> pid_t {
        let arena = CArena()
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        var joins: [swk_join] = []
        // Entering a pid namespace moves our future children; hooks we spawn later must not follow.
        var ownPidNamespace: Int32 = -1
        if launch.joins.contains(where: { $0.flag == Int32(SWK_CLONE_NEWPID) }) {
            ownPidNamespace = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC)
            guard ownPidNamespace >= 0 else { throw .errno("open /proc/self/ns/pid_for_children") }
            fds.append(ownPidNamespace)
        }
        for j in launch.joins {
            let fd = open(j.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .errno("open namespace \(j.path)") }
            fds.append(fd)
            if j.flag == Int32(SWK_CLONE_NEWPID) {
                // setns(CLONE_NEWPID) only moves our future children, which is what we want.
                guard swk_setns(fd, j.flag) == 0 else { throw .errno("setns \(j.path)") }
            } else {
                joins.append(swk_join(fd: fd, type: j.flag, path: arena.string(j.path)))
            }
        }
        var pair: [Int32] = [-1, -1]
        guard swk_socketpair_cloexec(&pair) == 0 else { throw .errno("socketpair") }
        fds.append(pair[0])
        var spec = makeSpec(launch, joins: joins, syncFD: pair[1], arena: arena)
        fflush(nil)
        let pid = swk_container_clone(&spec)
        let cloneErr = errno
        close(pair[1])
        if ownPidNamespace >= 0 && swk_setns(ownPidNamespace, Int32(SWK_CLONE_NEWPID)) != 0 {
            if pid > 0 { kill(pid, SIGKILL); _ = try? Spawn.wait(pid) }
            throw .errno("setns back to our pid namespace")
        }
        guard pid > 0 else { throw .errno("clone container process", cloneErr) }
        do throws(SwkError) {
            try place(pid)
            var go: [UInt8] = [1]
            if !(launch.createContainerHooks.isEmpty && launch.startContainerHooks.isEmpty) {
                let state = Array((launch.hookState?(pid) ?? "{}").utf8)
                guard state.count <= 32768 else { throw SwkError(.invalidArgument, "state for hooks exceeds 32 KiB") }
                withUnsafeBytes(of: UInt32(state.count)) { go += $0 }
                go += state
            }
            guard go.withUnsafeBytes({ FS.writeAll(pair[0], $0) }) else {
                throw .errno("release container process \(pid)")
            }
            try awaitVerdict(pid: pid, sync: pair[0], expectReady: launch.fifoFD >= 0)
        } catch {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            throw error
        }
        return pid
    }

    private static func awaitVerdict(pid: pid_t, sync: Int32, expectReady: Bool) throws(SwkError) {
        var msg = swk_sync_msg()
        let size = MemoryLayout<swk_sync_msg>.size
        var got = 0
        while got < size {
            let n = withUnsafeMutableBytes(of: &msg) { read(sync, $0.baseAddress! + got, size - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        if got == 0 {
            if !expectReady { return }  // the CLOEXEC socket closed: execve succeeded
            throw SwkError(.internal, "container init (pid \(pid)) exited during setup")
        }
        guard got == size else { throw SwkError(.internal, "short message from container init") }
        if msg.type == Int32(SWK_MSG_READY) { return }
        let step = withUnsafeBytes(of: msg.step) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let object = withUnsafeBytes(of: msg.object) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let what = object.isEmpty ? step : "\(step) \(object)"
        if msg.err < 0 { throw SwkError(.failedPrecondition, "\(what): exited with status \(-msg.err)") }
        throw SwkError.errno(what, msg.err)
    }

    private static func hook(_ arena: CArena, _ h: Hook) -> swk_hook {
        swk_hook(path: arena.string(h.path), argv: arena.strings(h.args.flatMap { $0.isEmpty ? nil : $0 } ?? [h.path]),
                 envp: arena.strings(h.env ?? []), timeout: Int32(clamping: h.timeout ?? 0))
    }

    private static func makeSpec(_ l: Launch, joins: [swk_join], syncFD: Int32, arena: CArena) -> swk_container_spec {
        var s = swk_container_spec()
        s.clone_flags = l.cloneFlags
        s.unshare_cgroup = l.unshareCgroup ? 1 : 0
        s.session_keyring = arena.optionalString(l.sessionKeyring)
        s.joins = arena.array(joins)
        s.njoins = Int32(joins.count)
        if let r = l.rootfs {
            s.setup_rootfs = 1
            s.chroot_only = r.chrootOnly ? 1 : 0
            s.rootfs = arena.string(r.rootfs)
            s.root_propagation = r.rootPropagation
            s.rootfs_propagation = r.rootfsPropagation
            s.root_readonly = r.readonly ? 1 : 0
            let mounts = r.mounts.map { m in
                swk_mount(source: arena.optionalString(m.source), target: arena.string(m.target),
                          fstype: arena.optionalString(m.fstype), data: arena.optionalString(m.data), flags: m.flags,
                          remount: m.remount, propagation: m.propagation, is_file: m.isFile ? 1 : 0)
            }
            s.mounts = arena.array(mounts)
            s.nmounts = Int32(mounts.count)
            let devices = r.devices.map { d in
                swk_device(path: arena.string(d.containerPath), mode: d.mode, major: d.major, minor: d.minor, uid: d.uid, gid: d.gid)
            }
            s.devices = arena.array(devices)
            s.ndevices = Int32(devices.count)
            let links = r.symlinks.map { swk_symlink(target: arena.string($0.target), path: arena.string($0.path)) }
            s.symlinks = arena.array(links)
            s.nsymlinks = Int32(links.count)
            s.masked = arena.strings(r.masked)
            s.nmasked = Int32(r.masked.count)
            s.readonly = arena.strings(r.readonlyPaths)
            s.nreadonly = Int32(r.readonlyPaths.count)
            s.sysctl_keys = arena.strings(r.sysctl.map(\.path))
            s.sysctl_values = arena.strings(r.sysctl.map(\.value))
            s.nsysctl = Int32(r.sysctl.count)
        }
        s.hostname = arena.optionalString(l.hostname)
        s.domainname = arena.optionalString(l.domainname)
        let p = l.process
        s.cwd = arena.string(p.cwd)
        s.apparmor_profile = arena.optionalString(p.appArmorProfile)
        s.argv = arena.strings(p.argv)
        s.envp = arena.strings(p.env)
        s.path_env = arena.string(p.pathEnv)
        s.uid = p.uid
        s.gid = p.gid
        s.groups = arena.array(p.groups)
        s.ngroups = Int32(p.groups.count)
        s.umask = p.umask
        let rlimits = p.rlimits.map {
            swk_rlimit(name: arena.string(ProcessPlan.rlimitNames[Int($0.resource)]), resource: $0.resource, soft: $0.soft, hard: $0.hard)
        }
        s.rlimits = arena.array(rlimits)
        s.nrlimits = Int32(rlimits.count)
        if let caps = p.capabilities {
            s.set_caps = 1
            s.cap_bounding = caps.bounding
            s.cap_effective = caps.effective
            s.cap_permitted = caps.permitted
            s.cap_inheritable = caps.inheritable
            s.cap_ambient = caps.ambient
        }
        s.no_new_privs = p.noNewPrivileges ? 1 : 0
        if let prog = l.seccomp {
            s.seccomp_filter = arena.bytes(prog.bpf)
            s.seccomp_len = UInt16(prog.bpf.count / 8)
            s.seccomp_flags = prog.flags
        }
        s.personality = l.personality
        let createHooks = l.createContainerHooks.map { hook(arena, $0) }
        s.create_hooks = arena.array(createHooks)
        s.ncreate_hooks = Int32(createHooks.count)
        let startHooks = l.startContainerHooks.map { hook(arena, $0) }
        s.start_hooks = arena.array(startHooks)
        s.nstart_hooks = Int32(startHooks.count)
        s.sync_fd = syncFD
        s.fifo_fd = l.fifoFD
        s.console_fd = l.consoleFD
        s.console_rows = p.consoleRows
        s.console_cols = p.consoleCols
        s.preserve_fds = l.preserveFDs
        return s
    }
}
