import Controller
import CRI
import DirectoryWatch
@preconcurrency import Dispatch
import Glibc
import ImageStore
import Logging
import Runtime
import StateStore
import SwkSupport

/// The running node: state database, image store, runtime and controller, wired together.
struct Node {
    let settings: NodeSettings
    let logger: Logger

    func run() async throws {
        // The manifests may hold Secrets, and whoever writes them declares pods as root: the
        // directory is root's alone (created 0700; group and other bits of an existing one
        // removed, so a hand-copied 0644 Secret or a group-writable directory is closed too).
        try FS.makeDirectories(FS.dirname(of: settings.podManifestPath))
        try HostAccess.directory(settings.podManifestPath, mode: 0o700, narrowOnly: true)
        // 0711, as containerd's root: group swkube's readers must traverse it to state.db; every
        // entry inside but state.db is 0700.
        try HostAccess.directory(settings.rootDir, mode: 0o711)
        try HostAccess.directory(settings.runDir, mode: 0o700)
        // At most kubelet's 0755 for /var/log/pods (never group/other-writable); the files in it
        // are 0640 (swkube-shim).
        try HostAccess.directory(settings.podLogDir, mode: 0o755, narrowOnly: true)
        let clock = SystemClock()
        let store = try StateStore(path: "\(settings.rootDir)/state.db")
        let imageStore = try ImageStore(root: settings.rootDir)
        // Checked here so that a broken registries file is reported at start; pulls read it again.
        let registries = try RegistryConfig.load(file: settings.registryConfig)
        for warning in registries.warnings { logger.warning("\(warning)") }
        let puller = HelperPuller(helper: settings.pullHelper, rootDir: settings.rootDir, registryConfig: settings.registryConfig)
        var runtimeConfig = LocalRuntime.Configuration(
            rootDir: settings.rootDir, runDir: settings.runDir, runtimePath: settings.runtime,
            shimPath: settings.shim, images: ImageStoreProvider(store: imageStore),
            cniConfDir: settings.cniConfDir,
            cniBinDirs: settings.cniBinDir.split(separator: ":").map(String.init))
        runtimeConfig.clock = clock
        runtimeConfig.logMaxSize = settings.containerLogMaxSize
        runtimeConfig.logMaxFiles = settings.containerLogMaxFiles
        runtimeConfig.warn = { [logger] in logger.warning("runtime: \($0)") }
        // Where swkubectl finds the runtime and its state (exec) and the logs without being told.
        try store.setDaemonSettings(DaemonSettings(runtime: settings.runtime, runDir: settings.runDir,
                                                   podLogDir: settings.podLogDir, podSecurity: settings.podSecurity.rawValue,
                                                   runtimeRoot: runtimeConfig.runtimeRoot),
                                    pid: getpid(), at: clock.now())
        // The store belongs to the status writer from here on.
        let status = try StatusWriter(store: store)
        let runtime = try LocalRuntime(runtimeConfig)
        do { try await runtime.prepareNetwork() } catch {
            logger.warning("pod network: \(error) (retried at the next pod start)")
        }
        var builder = RuntimeConfigBuilder(podLogDir: settings.podLogDir, node: NodeFacts.current())
        builder.seccompDefault = settings.seccompDefault
        builder.resolvConf = settings.resolvConf
        builder.clusterDNS = settings.clusterDNS
        builder.clusterDomain = settings.clusterDomain
        builder.sysctls = settings.sysctls
        let controller = NodeController(
            runtime: runtime, images: LocalImageService(store: imageStore, puller: puller, clock: clock), status: status, clock: clock,
            builder: builder,
            backoff: settings.backoff, housekeepingPeriod: settings.housekeepingInterval, logger: logger)
        logger.info("swkubelet \(swkubeVersion) watching \(settings.podManifestPath), runtime \(settings.runtime)")

        let source = ManifestSource(directory: settings.podManifestPath, podSecurity: settings.podSecurity)
        let watcher = try DirectoryWatcher(directory: settings.podManifestPath)
        let feed = ManifestFeed(source: source, clock: clock, resyncPeriod: settings.syncFrequency, logger: logger)
        let (updates, snapshots) = AsyncStream<DesiredState>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (changes, change) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let stop = ShutdownSignal()

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await tick in watcher.ticks { change.yield(tick.complete) }
            }
            group.addTask { await feed.run(changes: changes, into: snapshots) }
            group.addTask { await controller.run(updates: updates) }
            group.addTask {
                while !Task.isCancelled {
                    try? await status.heartbeat(pid: getpid(), at: clock.now())
                    try? await clock.sleep(nanoseconds: 5 * nanosPerSecond)
                }
            }
            await stop.wait()
            logger.info("shutting down; containers keep running under their shims")
            watcher.stop()
            change.finish()
            snapshots.finish()
            group.cancelAll()
        }
    }
}

/// SIGTERM/SIGINT end the daemon without stopping containers, as kubelet does: they run on under
/// their shims and are adopted by the next start.
final class ShutdownSignal: @unchecked Sendable {
    // @unchecked: the sources are only set up in init; afterwards they are only read.
    private let sources: [DispatchSourceSignal]
    private let stream: AsyncStream<Void>

    init() {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.stream = stream
        sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue(label: "swkube.signals"))
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
    }

    func wait() async {
        for await _ in stream { return }
    }
}

extension NodeFacts {
    /// This machine, for the downward API: host name, online cpus, physical memory.
    static func current() -> NodeFacts {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let memory = Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE)))
        return NodeFacts(nodeName: host, cpuCores: Int64(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))), memoryBytes: memory)
    }
}

typealias NodeFacts = EnvironmentBuilder.NodeFacts

// The runtime pulls through the helper; ImageStore, below Runtime, cannot name its protocol.
extension HelperPuller: ImagePuller {}
