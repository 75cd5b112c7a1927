import CRI
import CSwkSys
import Glibc
import SwkSupport

/// The containerd-like lifecycle layer: CRI `RuntimeService` on one node, with no daemon of its own.
///
/// A *sandbox* is a set of pinned namespaces (net, ipc, uts: bind mounts of nsfs files, so no
/// pause process is needed) plus the pod's /etc/hostname, /etc/hosts and /etc/resolv.conf. A
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
        public var clock: any WallClock
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

        public init(rootDir: String, runDir: String, runtimePath: String, shimPath: String,
                    images: any ImageProvider, clock: any WallClock = SystemWallClock(), runtimeRoot: String? = nil,
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
    /// Pod subnets whose node-level masquerade rule is in place (see `NodeMasquerade`).
    var masqueraded: Set<String> = []
    /// Host-side interfaces of each attached sandbox's CNI result, read once from network.json:
    /// what the cheap network check stats.
    var hostInterfaces: [String: [String]] = [:]

    /// Opens (creating if needed) the state directories and loads every record found there.
    public init(_ configuration: Configuration) throws(SwkError) {
        config = configuration
        layout = RuntimeLayout(rootDir: configuration.rootDir, runDir: configuration.runDir)
        for dir in [layout.sandboxesDir, layout.containersDir, "\(layout.rootDir)/containers", configuration.runtimeRoot] {
            try FS.makeDirectories(dir, mode: 0o711)
        }
        for id in try FS.list(layout.sandboxesDir) {
            if let r = try? JSONFile.read(SandboxRecord.self, from: "\(layout.sandboxDir(id))/sandbox.json") { sandboxes[id] = r }
        }
        for id in try FS.list(layout.containersDir) {
            if let r = try? JSONFile.read(ContainerRecord.self, from: "\(layout.containerDir(id))/container.json") { containers[id] = r }
        }
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
            try FS.makeDirectories("\(dir)/ns", mode: 0o711)
            if !namespaces.isEmpty {
                let flags = (hostNetwork ? 0 : Int32(SWK_CLONE_NEWNET) | Int32(SWK_CLONE_NEWUTS))
                    | (hostIPC ? 0 : Int32(SWK_CLONE_NEWIPC))
                guard swk_pin_namespaces(flags, namespaces["network"], namespaces["ipc"], namespaces["uts"], hostname) == 0 else {
                    throw SwkError.errno("pin namespaces of sandbox \(id) (pod \(sandbox.metadata.namespace)/\(sandbox.metadata.name))")
                }
            }
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
            let record = SandboxRecord(id: id, config: sandbox, createdAt: config.clock.nowNanoseconds(),
                                       state: .ready, hostname: hostname, namespaces: namespaces, ip: ip)
            try JSONFile.write(record, to: "\(dir)/sandbox.json")
            sandboxes[id] = record
            return id
        } catch {
            if let net = namespaces["network"] { try? await tearDownNetwork(id, sandbox, netns: net) }
            releaseNamespaces(dir)
            PodCgroup.remove(Self.podCgroup(sandbox, id: id))
            try? FS.removeTree(dir)
            throw SwkError.wrap(error, "run pod sandbox \(sandbox.metadata.namespace)/\(sandbox.metadata.name)")
        }
    }

    public func stopPodSandbox(_ podSandboxId: String) async throws {
        guard var record = sandboxes[podSandboxId] else { return }
        for c in containers.values where c.podSandboxId == podSandboxId {
            try await stopContainer(c.id, timeout: 0)
        }
        // DEL before the namespace goes, so plugins can still see the interface they made.
        if let net = record.namespaces["network"] { try await tearDownNetwork(podSandboxId, record.config, netns: net) }
        releaseNamespaces(layout.sandboxDir(podSandboxId))
        if record.state != .notReady {
            record.state = .notReady
            try JSONFile.write(record, to: "\(layout.sandboxDir(podSandboxId))/sandbox.json")
            sandboxes[podSandboxId] = record
        }
    }

    public func removePodSandbox(_ podSandboxId: String) async throws {
        guard let record = sandboxes[podSandboxId] else { return }
        try await stopPodSandbox(podSandboxId)
        for c in containers.values where c.podSandboxId == podSandboxId {
            try await removeContainer(c.id)
        }
        try FS.removeTree(layout.sandboxDir(podSandboxId))
        PodCgroup.remove(Self.podCgroup(record))
        sandboxes[podSandboxId] = nil
        hostInterfaces[podSandboxId] = nil
        // The pod's volumes go with its last sandbox (a replacement sandbox keeps them).
        let key = Self.podKey(record)
        if !sandboxes.values.contains(where: { Self.podKey($0) == key }) {
            try PodVolumes.remove(podDir: layout.podDir(key))
        }
    }

    public func podSandboxStatus(_ podSandboxId: String) async throws -> PodSandboxStatus {
        guard let r = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        var status = PodSandboxStatus(id: r.id, metadata: r.config.metadata, state: r.state, createdAt: r.createdAt)
        status.labels = r.config.labels
        status.annotations = r.config.annotations
        if r.state == .ready { status.network.ip = r.ip ?? "" }
        return status
    }

    public func listPodSandbox(_ filter: PodSandboxFilter?) async throws -> [PodSandbox] {
        sandboxes.values.filter { r in
            guard let filter else { return true }
            return (filter.id.map { $0 == r.id } ?? true) && r.config.labels.matches(filter.labelSelector)
        }
        .sorted { $0.createdAt < $1.createdAt }
        .map { r in
            var s = PodSandbox(id: r.id, metadata: r.config.metadata, state: r.state, createdAt: r.createdAt)
            s.labels = r.config.labels
            s.annotations = r.config.annotations
            return s
        }
    }

    /// Unmounts and deletes the pinned namespace files; missing ones are fine.
    private func releaseNamespaces(_ dir: String) {
        for kind in ["net", "ipc", "uts"] {
            let path = "\(dir)/ns/\(kind)"
            try? Mounts.unmount(path)
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
