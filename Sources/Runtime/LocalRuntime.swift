import CRI
import CSwkSys
import Glibc
import SwkSupport

/// The containerd-like lifecycle layer: CRI `RuntimeService` on one node, with no daemon of its own.
///
/// A *sandbox* is a set of pinned namespaces (net, ipc, uts: bind mounts of nsfs files, so no
/// pause process is needed) plus the pod's /etc/hostname, /etc/hosts, /etc/resolv.conf and its
/// /dev/shm tmpfs (see PodShm). A
/// *container* is an overlay rootfs and an OCI bundle, created and watched by its own
/// `swkube-shim`, which runs the OCI runtime (`swkube-runc` or runc), writes the CRI log and
/// records the exit. Every fact lives in files under `runDir` (see `RuntimeLayout`), so this actor
/// only caches records: after a daemon restart a new instance adopts running containers and sees
/// the exits their shims recorded meanwhile. Status calls read files only; no process is spawned.
public actor LocalRuntime: RuntimeService {
    public struct Configuration: Sendable {
        /// Persistent state: per-container overlay upper/work directories.
        public var rootDir: String
        /// Volatile state: sandbox and container records, bundles, rootfs mounts, namespaces.
        public var runDir: String
        /// The OCI runtime binary (`swkube-runc`, or Debian's runc for comparison).
        public var runtimePath: String
        /// The OCI runtime's `--root`; defaults to `<runDir>/runc`.
        public var runtimeRoot: String
        public var shimPath: String
        public var images: any ImageProvider
        public var clock: any NodeClock
        /// CNI network configs (`/etc/cni/net.d`); the first file by name is the pod network, and
        /// the default bridge network is written there when it holds none. nil: no pod network
        /// (sandboxes get only `lo`).
        public var cniConfDir: String?
        /// Where CNI plugin binaries are looked up, in order (`/usr/lib/cni`, `/opt/cni/bin`).
        public var cniBinDirs: [String]
        /// Container logs rotate at this many bytes (kubelet's containerLogMaxSize; 0: never)…
        public var logMaxSize: Int64 = 0
        /// …keeping this many files, the current one included (containerLogMaxFiles).
        public var logMaxFiles: Int = 5
        /// The host is on the unified cgroup hierarchy: containers get a cgroup namespace.
        public var hostCgroupV2 = PodCgroup.hostIsUnified()
        /// Where the runtime reports what it cannot fail a call for: unreadable records, failed
        /// rollback steps. Defaults to standard error; the daemon passes its logger.
        public var warn: @Sendable (String) -> Void = { message in
            let line = Array("swkube runtime: \(message)\n".utf8)
            _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        }

        public init(rootDir: String, runDir: String, runtimePath: String, shimPath: String,
                    images: any ImageProvider, clock: any NodeClock = SystemClock(), runtimeRoot: String? = nil,
                    cniConfDir: String? = nil, cniBinDirs: [String] = ["/usr/lib/cni", "/opt/cni/bin"]) {
            self.rootDir = rootDir; self.runDir = runDir; self.runtimePath = runtimePath
            self.shimPath = shimPath; self.images = images; self.clock = clock
            self.runtimeRoot = runtimeRoot ?? "\(runDir)/runc"
            self.cniConfDir = cniConfDir; self.cniBinDirs = cniBinDirs
        }
    }

    let config: Configuration
    let layout: RuntimeLayout
    var sandboxes: [String: SandboxRecord] = [:]
    var containers: [String: ContainerRecord] = [:]
    /// Records that could not be read at start (see `UnreadableRecord`), kept until removed.
    var unreadableSandboxes: [String: UnreadableRecord] = [:]
    var unreadableContainers: [String: UnreadableRecord] = [:]
    /// Pod subnets whose node-level masquerade rule is in place (see `NodeMasquerade`).
    var masqueraded: Set<String> = []
    /// Host-side interfaces of each attached sandbox's CNI result, read once from network.json:
    /// what the cheap network check stats.
    var hostInterfaces: [String: [String]] = [:]

    /// Opens (creating if needed) the state directories and loads every record found there.
    public init(_ configuration: Configuration) throws(SwkError) {
        config = configuration
        layout = RuntimeLayout(rootDir: configuration.rootDir, runDir: configuration.runDir)
        // Root's alone, repaired at every start (issue 11): bundles, overlay mounts and writable
        // layers hold the containers' setuid files and device nodes, pod volumes their Secrets.
        // No non-root process walks these paths: the runtime opens and mounts them as root.
        for dir in [layout.sandboxesDir, layout.containersDir, "\(layout.rootDir)/containers",
                    "\(layout.rootDir)/pods", configuration.runtimeRoot] {
            try HostAccess.directory(dir, mode: 0o700)
        }
        let loaded = try layout.loadRecords(warn: configuration.warn)
        sandboxes = loaded.sandboxes
        containers = loaded.containers
        unreadableSandboxes = loaded.unreadableSandboxes
        unreadableContainers = loaded.unreadableContainers
    }

    public func version() async throws -> VersionResponse {
        let out = try? Spawn.run([config.runtimePath, "--version"])
        let first = out.flatMap { $0.status == 0 ? $0.stdout.split(separator: "\n").first.map(String.init) : nil }
        return VersionResponse(runtimeName: "swkube", runtimeVersion: first ?? "unknown")
    }

    // MARK: sandboxes

    public func runPodSandbox(_ sandbox: PodSandboxConfig) async throws -> String {
        let id = try RuntimeIDs.make()
        let dir = layout.sandboxDir(id)
        let hostNetwork = sandbox.linux.namespaceOptions.network == .node
        let hostIPC = sandbox.linux.namespaceOptions.ipc == .node
        var hostname = sandbox.hostname.isEmpty ? sandbox.metadata.name : sandbox.hostname
        if hostNetwork { hostname = Self.hostHostname() }
        // The pod's own net and (with it, as containerd does) uts; ipc unless the host's.
        var namespaces: [String: String] = [:]
        if !hostNetwork { namespaces["network"] = "\(dir)/ns/net"; namespaces["uts"] = "\(dir)/ns/uts" }
        if !hostIPC { namespaces["ipc"] = "\(dir)/ns/ipc" }
        do {
            try FS.makeDirectories("\(dir)/ns", mode: 0o700)
            if !namespaces.isEmpty {
                let flags = (hostNetwork ? 0 : Int32(SWK_CLONE_NEWNET) | Int32(SWK_CLONE_NEWUTS))
                    | (hostIPC ? 0 : Int32(SWK_CLONE_NEWIPC))
                guard swk_pin_namespaces(flags, namespaces["network"], namespaces["ipc"], namespaces["uts"], hostname) == 0 else {
                    throw SwkError.errno("pin namespaces of sandbox \(id) (pod \(sandbox.metadata.namespace)/\(sandbox.metadata.name))")
                }
            }
            if !hostIPC { try PodShm.mount(sandboxDir: dir) }
            if let resources = sandbox.linux.resources {
                try PodCgroup.apply(Self.podCgroup(sandbox, id: id), resources)
            }
            var ip = ""
            if let net = namespaces["network"] {
                guard swk_netns_loopback_up(net) == 0 else { throw SwkError.errno("bring lo up in sandbox \(id)") }
                ip = try await setUpNetwork(id, sandbox, netns: net)
            }
            try FS.writeAtomic("\(dir)/hostname", "\(hostname)\n")
            try FS.writeAtomic("\(dir)/hosts", Self.hostsFile(hostname: hostname, hostNetwork: hostNetwork))
            try FS.writeAtomic("\(dir)/resolv.conf", sandbox.dnsConfig.map(Self.resolvConf)
                               ?? (try? FS.readString("/etc/resolv.conf")) ?? "")
            let record = SandboxRecord(id: id, config: sandbox, createdAt: config.clock.now(),
                                       state: .ready, hostname: hostname, namespaces: namespaces, ip: ip)
            try JSONFile.write(record, to: "\(dir)/sandbox.json")
            sandboxes[id] = record
            return id
        } catch {
            if let net = namespaces["network"] {
                await rollback("tear down the network of sandbox \(id)") { try await tearDownNetwork(id, sandbox, netns: net) }
            }
            releaseNamespaces(dir)
            await rollback("release /dev/shm of sandbox \(id)") { try PodShm.release(sandboxDir: dir) }
            PodCgroup.remove(Self.podCgroup(sandbox, id: id))
            await rollback("remove \(dir)") { try FS.removeTree(dir) }
            throw SwkError.wrap(error, "run pod sandbox \(sandbox.metadata.namespace)/\(sandbox.metadata.name)")
        }
    }

    public func stopPodSandbox(_ podSandboxId: String) async throws {
        for id in containerIDs(in: podSandboxId) {
            try await stopContainer(id, timeout: 0)
        }
        if let broken = unreadableSandboxes[podSandboxId] {
            return try await stopUnreadable(broken)
        }
        guard var record = sandboxes[podSandboxId] else { return }
        // DEL before the namespace goes, so plugins can still see the interface they made.
        if let net = record.namespaces["network"] { try await tearDownNetwork(podSandboxId, record.config, netns: net) }
        releaseNamespaces(layout.sandboxDir(podSandboxId))
        try PodShm.release(sandboxDir: layout.sandboxDir(podSandboxId))
        if record.state != .notReady {
            record.state = .notReady
            try JSONFile.write(record, to: "\(layout.sandboxDir(podSandboxId))/sandbox.json")
            sandboxes[podSandboxId] = record
        }
    }

    public func removePodSandbox(_ podSandboxId: String) async throws {
        let config: PodSandboxConfig
        if let record = sandboxes[podSandboxId] { config = record.config }
        else if let broken = unreadableSandboxes[podSandboxId] { config = broken.salvage.sandboxConfig }
        else { return }
        try await stopPodSandbox(podSandboxId)
        for id in containerIDs(in: podSandboxId) {
            try await removeContainer(id)
        }
        try FS.removeTree(layout.sandboxDir(podSandboxId))
        PodCgroup.remove(Self.podCgroup(config, id: podSandboxId))
        sandboxes[podSandboxId] = nil
        unreadableSandboxes[podSandboxId] = nil
        hostInterfaces[podSandboxId] = nil
        // The pod's volumes go with its last sandbox (a replacement sandbox keeps them). An
        // unreadable record that lost the pod uid is keyed by its own id, which names no volumes.
        let key = Self.podKey(config, id: podSandboxId)
        let others = sandboxes.values.map { Self.podKey($0) }
            + unreadableSandboxes.values.map { Self.podKey($0.salvage.sandboxConfig, id: $0.id) }
        if !others.contains(key) {
            try PodVolumes.remove(podDir: layout.podDir(key))
        }
    }

    /// Every container of the sandbox, readable or not.
    private func containerIDs(in podSandboxId: String) -> [String] {
        containers.values.filter { $0.podSandboxId == podSandboxId }.map(\.id)
            + unreadableContainers.values.filter { $0.salvage.podSandboxId == podSandboxId }.map(\.id)
    }

    /// Releases what an unreadable sandbox may still hold: its CNI attachment (network.json has
    /// the config and result), pinned namespaces and /dev/shm. Each step is logged when it fails.
    private func stopUnreadable(_ broken: UnreadableRecord) async throws {
        let dir = layout.sandboxDir(broken.id)
        await rollback("tear down the network of sandbox \(broken.id)") {
            try await tearDownNetwork(broken.id, broken.salvage.sandboxConfig, netns: "\(dir)/ns/net")
        }
        releaseNamespaces(dir)
        try PodShm.release(sandboxDir: dir)
    }

    /// Runs one cleanup step of a rollback (or of removing what an unreadable record left): a
    /// failure is logged with the step, as containerd's deferred cleanups do, and not thrown over
    /// the error being handled.
    func rollback(_ step: String, _ body: () async throws -> Void) async {
        do { try await body() } catch { config.warn("failed to \(step): \(error)") }
    }

    public func podSandboxStatus(_ podSandboxId: String) async throws -> PodSandboxStatus {
        if let broken = unreadableSandboxes[podSandboxId] { return sandboxStatus(ofUnreadable: broken) }
        guard let r = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        var status = PodSandboxStatus(id: r.id, metadata: r.config.metadata, state: r.state, createdAt: r.createdAt)
        status.labels = r.config.labels
        status.annotations = r.config.annotations
        status.info[StatusInfo.cgroupsPath] = Self.podCgroup(r)
        if r.state == .ready { status.network.ip = r.ip ?? "" }
        return status
    }

    public func listPodSandbox(_ filter: PodSandboxFilter?) async throws -> [PodSandbox] {
        let statuses = sandboxes.values.map { r in
            var s = PodSandboxStatus(id: r.id, metadata: r.config.metadata, state: r.state, createdAt: r.createdAt)
            s.labels = r.config.labels
            s.annotations = r.config.annotations
            return s
        } + unreadableSandboxes.values.map(sandboxStatus(ofUnreadable:))
        return statuses.filter { s in
            guard let filter else { return true }
            return (filter.id.map { $0 == s.id } ?? true) && s.labels.matches(filter.labelSelector)
        }
        .sorted { $0.createdAt < $1.createdAt }
        .map { s in
            var sandbox = PodSandbox(id: s.id, metadata: s.metadata, state: s.state, createdAt: s.createdAt)
            sandbox.labels = s.labels
            sandbox.annotations = s.annotations
            return sandbox
        }
    }

    /// Unmounts and deletes the pinned namespace files; missing ones are fine, failures logged.
    private func releaseNamespaces(_ dir: String) {
        for kind in ["net", "ipc", "uts"] {
            let path = "\(dir)/ns/\(kind)"
            do { try Mounts.unmount(path) } catch { config.warn("failed to release namespace \(path): \(error)") }
            unlink(path)
        }
    }

    /// The pod's parent cgroup: the sandbox's `cgroupParent` if set, else `/swkube/<pod uid>` (the
    /// sandbox id when the uid is unusable as a path element).
    static func podCgroup(_ r: SandboxRecord) -> String {
        podCgroup(r.config, id: r.id)
    }

    static func podCgroup(_ config: PodSandboxConfig, id: String) -> String {
        let parent = config.linux.cgroupParent
        if !parent.isEmpty { return parent.hasPrefix("/") ? parent : "/\(parent)" }
        return "/swkube/\(podKey(config, id: id))"
    }

    /// A container's cgroup: below its pod's, named by the container id.
    static func containerCgroup(_ sandbox: SandboxRecord, id: String) -> String {
        "\(podCgroup(sandbox))/\(id)"
    }

    static func podKey(_ r: SandboxRecord) -> String {
        podKey(r.config, id: r.id)
    }

    /// The pod uid, or the sandbox id when the uid is unusable as a path element.
    static func podKey(_ config: PodSandboxConfig, id: String) -> String {
        let uid = config.metadata.uid
        let usable = !uid.isEmpty && !uid.contains("/") && uid != "." && uid != ".."
        return usable ? uid : id
    }

    /// resolv.conf from CRI's DNSConfig, as containerd writes it.
    static func resolvConf(_ dns: DNSConfig) -> String {
        var lines = dns.servers.map { "nameserver \($0)" }
        if !dns.searches.isEmpty { lines.append("search \(dns.searches.joined(separator: " "))") }
        if !dns.options.isEmpty { lines.append("options \(dns.options.joined(separator: " "))") }
        return lines.map { "\($0)\n" }.joined()
    }

    static func hostsFile(hostname: String, hostNetwork: Bool) -> String {
        if hostNetwork, let hosts = try? FS.readString("/etc/hosts") { return hosts }
        return """
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            ff00::0\tip6-mcastprefix
            ff02::1\tip6-allnodes
            ff02::2\tip6-allrouters
            127.0.1.1\t\(hostname)

            """
    }

    static func hostHostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
