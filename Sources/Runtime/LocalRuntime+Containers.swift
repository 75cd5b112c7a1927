import CRI
import Glibc
import SwkSupport

extension LocalRuntime {
    public func createContainer(_ podSandboxId: String, _ container: ContainerConfig,
                                _ sandboxConfig: PodSandboxConfig) async throws -> String {
        let what = "create container \(container.metadata.name) in sandbox \(podSandboxId)"
        guard let sandbox = sandboxes[podSandboxId] else { throw SwkError(.notFound, "\(what): no such pod sandbox") }
        guard sandbox.state == .ready else { throw SwkError(.failedPrecondition, "\(what): the sandbox is not ready") }
        let image: RuntimeImage
        do { image = try await config.images.runtimeImage(for: container.image.image) } catch {
            throw SwkError.wrap(error, "\(what): image \(container.image.image)")
        }
        guard let stopSignal = ProcessSpec.signal(image.stopSignal) else {
            throw SwkError(.invalidArgument, "\(what): image \(container.image.image) has unknown StopSignal \"\(image.stopSignal)\"")
        }
        // The pod cgroup follows the pod's containers (kubelet updates it at every sync).
        if let resources = sandboxConfig.linux.resources {
            try? PodCgroup.apply(Self.podCgroup(sandbox), resources, bestEffort: true)
        }
        let id = try RuntimeIDs.make()
        let dir = layout.containerDir(id), layer = layout.layerDir(id)
        do {
            // containerd's bundle modes: the bundle 0700, its rootfs 0711. The writable layer 0700
            // outside; upper's own mode is the container's `/`, so it stays 0755.
            try FS.makeDirectories(dir, mode: 0o700)
            try FS.makeDirectories("\(dir)/rootfs", mode: 0o711)
            try FS.makeDirectories(layer, mode: 0o700)
            try FS.makeDirectories("\(layer)/upper", mode: 0o755)
            try FS.makeDirectories("\(layer)/work", mode: 0o700)
            try Mounts.overlay(lowerDirs: image.lowerDirs, upper: "\(layer)/upper", work: "\(layer)/work", target: "\(dir)/rootfs")
            let args = ProcessSpec.arguments(image: image, command: container.command, args: container.args)
            guard !args.isEmpty else { throw SwkError(.invalidArgument, "no command: the image has no Entrypoint or Cmd and the container sets none") }
            let sandboxDir = layout.sandboxDir(podSandboxId)
            let podDir = layout.podDir(Self.podKey(sandbox))
            var mounts: [CRI.Mount] = []
            for (index, m) in container.mounts.enumerated() {
                var resolved = m
                do {
                    resolved.hostPath = try PodVolumes.source(for: m, podDir: podDir, container: container.metadata.name, index: index)
                } catch {
                    let pod = sandboxConfig.metadata
                    throw error.context("pod \(pod.namespace)/\(pod.name), container \(container.metadata.name), volumeMount \(m.containerPath)")
                }
                try Mounts.checkPropagation(m.propagation, source: resolved.hostPath)
                mounts.append(resolved)
            }
            let security = container.linux.securityContext
            let capabilities = try BundleSecurity.capabilities(security.capabilities, privileged: security.privileged)
            let seccomp = try BundleSecurity.seccomp(security.seccomp, privileged: security.privileged,
                                                     capabilities: capabilities, profileDir: "\(layout.rootDir)/seccomp")
            let bundle = try BundleConfig.make(.init(
                args: args,
                env: ProcessSpec.environment(image: image.env, config: container.envs, hostname: sandbox.hostname),
                cwd: ProcessSpec.workingDirectory(config: container.workingDir, image: image.workingDir),
                user: try ProcessSpec.user(BundleSecurity.userSpec(image: image.user, security), rootfs: "\(dir)/rootfs"),
                hostname: sandbox.namespaces["uts"] == nil ? "" : sandbox.hostname,
                hostPID: sandbox.config.linux.namespaceOptions.pid == .node,
                sharedNamespaces: sandbox.namespaces,
                cgroupsPath: Self.containerCgroup(sandbox, id: id),
                resources: container.linux.resources,
                mounts: mounts,
                etcFiles: [("/etc/hostname", "\(sandboxDir)/hostname"), ("/etc/hosts", "\(sandboxDir)/hosts"),
                           ("/etc/resolv.conf", "\(sandboxDir)/resolv.conf")],
                security: security, seccomp: seccomp, hostDevices: security.privileged ? HostDevices.list() : [],
                shm: PodShm.source(sandboxDir: sandboxDir, hostIPC: sandbox.config.linux.namespaceOptions.ipc == .node),
                hostCgroupV2: config.hostCgroupV2, sysctls: sandbox.config.linux.sysctls))
            try JSONFile.write(bundle, to: "\(dir)/config.json")
            let logPath = sandboxConfig.logDirectory.isEmpty || container.logPath.isEmpty
                ? "\(dir)/container.log" : "\(sandboxConfig.logDirectory)/\(container.logPath)"
            try HostAccess.logDirectory(FS.dirname(of: logPath))
            var stored = container
            stored.mounts = PodVolumes.withoutContents(container.mounts)
            let record = ContainerRecord(id: id, podSandboxId: podSandboxId, config: stored, imageRef: image.id,
                                         createdAt: config.clock.now(), startedAt: 0,
                                         logPath: logPath, stopSignal: stopSignal)
            try JSONFile.write(record, to: "\(dir)/container.json")
            try await launchShim(id: id, logPath: logPath)
            containers[id] = record
            return id
        } catch {
            await rollback("clean up container \(id)") { try await cleanUp(id) }
            throw SwkError.wrap(error, "\(what) (\(id))")
        }
    }

    /// Runs `swkube-shim`; it returns once the OCI runtime's `create` succeeded or failed.
    private func launchShim(id: String, logPath: String) async throws(SwkError) {
        let dir = layout.containerDir(id)
        var argv = [config.shimPath, "--runtime", config.runtimePath, "--runtime-root", config.runtimeRoot,
                    "--id", id, "--bundle", dir, "--log-path", logPath, "--state-dir", dir]
        if config.logMaxSize > 0 { argv += ["--log-max-size", String(config.logMaxSize), "--log-max-files", String(config.logMaxFiles)] }
        let out = try await Spawn.runAsync(argv)
        guard out.status == 0 else {
            let said = (out.stderr + out.stdout).split(separator: "\n").joined(separator: "; ")
            throw SwkError(.system, said.isEmpty ? "swkube-shim exited with status \(out.status)" : said)
        }
    }

    public func startContainer(_ containerId: String) async throws {
        if let broken = unreadableContainers[containerId] {
            throw SwkError(.failedPrecondition, "start container \(containerId): \(broken.message)")
        }
        guard var record = containers[containerId] else { throw SwkError(.notFound, "container \(containerId)") }
        let dir = layout.containerDir(containerId)
        guard record.startedAt == 0, case .alive = ShimFiles.observe(dir) else {
            throw SwkError(.failedPrecondition, "start container \(containerId): it is not in the created state")
        }
        let out = try await Spawn.runAsync([config.runtimePath, "--root", config.runtimeRoot, "start", containerId])
        guard out.status == 0 else {
            throw SwkError(.system, "start container \(containerId): \(config.runtimePath) start exited with status \(out.status): \(out.stderr)")
        }
        record.startedAt = config.clock.now()
        try JSONFile.write(record, to: "\(dir)/container.json")
        containers[containerId] = record
    }

    public func stopContainer(_ containerId: String, timeout: Int64) async throws {
        // An unreadable record may stand for a started container: its process, if the shim's
        // files show one, gets the usual stop signal (or the one the damaged file still names).
        let started: Bool, stopSignal: Int32
        if let record = containers[containerId] {
            (started, stopSignal) = (record.startedAt != 0, record.stopSignal)
        } else if let broken = unreadableContainers[containerId] {
            (started, stopSignal) = (true, broken.salvage.stopSignal ?? SIGTERM)
        } else {
            throw SwkError(.notFound, "container \(containerId)")
        }
        let dir = layout.containerDir(containerId)
        // A container never started is blocked inside the runtime: only SIGKILL means anything.
        if timeout > 0, started {
            guard signal(dir, stopSignal) else { return }
            if await waitForExit(dir, seconds: timeout) { return }
        }
        guard signal(dir, SIGKILL) else { return }
        // SIGKILL cannot be caught; the bound only covers a wedged kernel or shim.
        if !(await waitForExit(dir, seconds: 30)) {
            throw SwkError(.unavailable, "stop container \(containerId): still running 30 s after SIGKILL")
        }
    }

    public func removeContainer(_ containerId: String) async throws {
        guard containers[containerId] != nil || unreadableContainers[containerId] != nil else { return }
        try await stopContainer(containerId, timeout: 0)
        try await cleanUp(containerId)
        containers[containerId] = nil
        unreadableContainers[containerId] = nil
    }

    /// Deletes the runtime's container (and with it the cgroup), the rootfs mount, the bundle and
    /// the writable layer. Each step tolerates what is already gone.
    private func cleanUp(_ id: String) async throws(SwkError) {
        let out = try await Spawn.runAsync([config.runtimePath, "--root", config.runtimeRoot, "delete", "--force", id])
        guard out.status == 0 else {
            throw SwkError(.system, "delete container \(id): \(config.runtimePath) delete exited with status \(out.status): \(out.stderr)")
        }
        let dir = layout.containerDir(id)
        try Mounts.unmount("\(dir)/rootfs")
        try FS.removeTree(dir)
        try FS.removeTree(layout.layerDir(id))
    }

    /// Sends `sig` to the container's init if it is still that process; false when it is gone.
    private func signal(_ dir: String, _ sig: Int32) -> Bool {
        switch ShimFiles.observe(dir) {
        case .alive(let pid):
            // observe() checked the start time just now, so the pid is not a reused one.
            return kill(pid, sig) == 0 || errno != ESRCH
        case .exiting: return true
        case .notCreated, .exited, .lost: return false
        }
    }

    /// Polls the shim's files until the exit is recorded (or the shim is lost); false on timeout.
    private func waitForExit(_ dir: String, seconds: Int64) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            switch ShimFiles.observe(dir) {
            case .alive, .exiting: break
            case .notCreated, .exited, .lost: return true
            }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func listContainers(_ filter: ContainerFilter?) async throws -> [Container] {
        let listed = containers.values.map { (status(of: $0), $0.podSandboxId) }
            + unreadableContainers.values.map { (status(ofUnreadable: $0), $0.salvage.podSandboxId ?? "") }
        return listed.filter { s, sandbox in
            guard let filter else { return true }
            return (filter.id.map { $0 == s.id } ?? true)
                && (filter.podSandboxId.map { $0 == sandbox } ?? true)
                && s.labels.matches(filter.labelSelector)
        }
        .sorted { $0.0.createdAt < $1.0.createdAt }
        .map { s, sandbox in
            var c = Container(id: s.id, podSandboxId: sandbox, metadata: s.metadata, image: s.image,
                              imageRef: s.imageRef, state: s.state, createdAt: s.createdAt)
            c.labels = s.labels
            c.annotations = s.annotations
            return c
        }
    }

    public func containerStatus(_ containerId: String) async throws -> ContainerStatus {
        if let broken = unreadableContainers[containerId] { return status(ofUnreadable: broken) }
        guard let r = containers[containerId] else { throw SwkError(.notFound, "container \(containerId)") }
        return status(of: r)
    }

    /// The CRI status derived from the record and the shim's files.
    func status(of r: ContainerRecord) -> ContainerStatus {
        var s = ContainerStatus(id: r.id, metadata: r.config.metadata, state: .created, createdAt: r.createdAt, image: r.config.image)
        s.imageRef = r.imageRef
        s.labels = r.config.labels
        s.annotations = r.config.annotations
        s.logPath = r.logPath
        s.startedAt = r.startedAt
        if let sandbox = sandboxes[r.podSandboxId] { s.info[StatusInfo.cgroupsPath] = Self.containerCgroup(sandbox, id: r.id) }
        switch ShimFiles.observe(layout.containerDir(r.id)) {
        case .alive(let pid):
            s.state = r.startedAt == 0 ? .created : .running
            s.pid = pid
        case .exiting:
            s.state = r.startedAt == 0 ? .created : .running
        case .exited(let e):
            s.state = .exited
            s.exitCode = e.exitCode
            s.finishedAt = e.finishedAt
            s.reason = e.oomKilled ? "OOMKilled" : e.exitCode == 0 ? "Completed" : "Error"
        case .notCreated, .lost:
            s.state = .unknown
            s.reason = "Unknown"
            s.message = "the container's monitor (swkube-shim) exited without recording its exit"
        }
        return s
    }
}
