import FoundationEssentials
import Glibc
import KubeAPI
import StateStore
import SwkSupport

/// One pod the manifest directory asks for, with the file that declares it.
public struct DesiredPod: Sendable, Equatable {
    public var pod: Pod
    public var file: String
    /// The pod as JSON (sorted keys), stored for `-o yaml|json` and describe.
    public var specJSON: String
    /// The ConfigMaps and Secrets of the directory that the pod's volumes and env name.
    public var objects: PodConfigObjects

    public init(pod: Pod, file: String, specJSON: String, objects: PodConfigObjects = .init()) {
        self.pod = pod
        self.file = file
        self.specJSON = specJSON
        self.objects = objects
    }
}

/// A whole snapshot of the manifest directory (kubelet's file source sends whole snapshots too):
/// every pod it declares, keyed by uid, and every problem found, with file and line.
public struct DesiredState: Sendable, Equatable {
    public var pods: [String: DesiredPod] = [:]
    public var errors: [ManifestErrorRecord] = []
    public init() {}
}

/// The result of one scan: the snapshot, plus what to tell the operator once.
public struct ManifestScan: Sendable {
    public var state: DesiredState
    /// Names skipped for being dot-files or editor/backup files, each reported once.
    public var newlyIgnored: [String]
    /// Warnings (unknown fields…) of the files parsed in this scan.
    public var warnings: [ManifestDiagnostic]
}

/// Which names in the manifest directory are manifests: `*.yaml`, `*.yml`, `*.json`, but never
/// dot-files or the swap/backup files editors and dpkg leave behind.
public enum ManifestFilter {
    public static func isManifest(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("#") || name.hasSuffix("~") || name.hasSuffix("#") { return false }
        for junk in [".swp", ".swx", ".bak", ".backup", ".orig", ".rej", ".tmp"] where name.hasSuffix(junk) { return false }
        if name.contains(".dpkg-") || name.contains(".tmp-") { return false }
        return name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json")
    }
}

/// Reads the manifest directory into a `DesiredState`. A file is parsed again only when its
/// size, mtime or inode changed. A file that fails to parse keeps its last good pods running;
/// while it is still being written (changed within `settleNanos`) its failure is not reported.
public actor ManifestSource {
    public let directory: String
    let settleNanos: Int64
    /// The Pod Security Standard pods must meet (`pod-security` in the node's config).
    let podSecurity: PodSecurityLevel

    private struct Cached {
        var stamp: FileStamp
        var parsed: ParsedManifest
        /// The pods of the last version of this file that parsed.
        var lastGood: [Pod]
    }

    private var cache: [String: Cached] = [:]
    /// Who owns each pod key (namespace/name): the first file seen declaring it keeps it.
    private var owners: [String: String] = [:]
    private var ignoredLogged: Set<String> = []
    private let encoder: JSONEncoder

    /// Names skipped for being dot-files or editor/backup files, reported once each.
    private var newlyIgnored: [String] = []
    /// Warnings (unknown fields…) of files parsed in this scan.
    private var warnings: [ManifestDiagnostic] = []

    public init(directory: String, settleNanos: Int64 = 2 * 1_000_000_000, podSecurity: PodSecurityLevel = .privileged) {
        self.directory = directory
        self.podSecurity = podSecurity
        self.settleNanos = settleNanos
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    public func scan(now: Int64) -> ManifestScan {
        newlyIgnored = []
        warnings = []
        let state = readDirectory(now: now)
        return ManifestScan(state: state, newlyIgnored: newlyIgnored, warnings: warnings)
    }

    private func readDirectory(now: Int64) -> DesiredState {
        var state = DesiredState()
        let names: [String]
        do {
            names = try FS.list(directory).sorted()
        } catch {
            state.errors.append(ManifestErrorRecord(file: directory, line: 0, message: "cannot read manifest directory: \(error)", observedAt: now))
            return state
        }
        var seen: Set<String> = []
        for name in names {
            let path = "\(directory)/\(name)"
            guard ManifestFilter.isManifest(name) else {
                if !FS.isDirectory(path), ignoredLogged.insert(name).inserted { newlyIgnored.append(name) }
                continue
            }
            seen.insert(path)
            load(path, now: now, into: &state)
        }
        for gone in cache.keys where !seen.contains(gone) { cache[gone] = nil }
        assignPods(&state, now: now)
        return state
    }

    private func load(_ path: String, now: Int64, into state: inout DesiredState) {
        guard let stamp = FileStamp(path: path) else { return }
        if cache[path]?.stamp != stamp {
            let bytes: [UInt8]
            do {
                bytes = try FS.readBytes(path)
            } catch {
                state.errors.append(ManifestErrorRecord(file: path, line: 0, message: "\(error)", observedAt: now))
                return
            }
            let parsed = ManifestParser.parse(bytes, file: path, podSecurity: podSecurity)
            let lastGood = parsed.isUnreadable ? (cache[path]?.lastGood ?? []) : parsed.pods
            cache[path] = Cached(stamp: stamp, parsed: parsed, lastGood: lastGood)
            warnings += parsed.diagnostics.filter { $0.severity == .warning }
        }
        guard let cached = cache[path] else { return }
        let stillChanging = cached.parsed.isUnreadable && now - stamp.mtime < settleNanos
        if !stillChanging {
            for d in cached.parsed.diagnostics where d.severity == .error {
                state.errors.append(ManifestErrorRecord(file: path, line: d.line, message: "\(d.field.isEmpty ? "" : d.field + ": ")\(d.message)", observedAt: now))
            }
        }
    }

    /// Gives each pod to its file, rejecting a second declaration of the same namespace/name.
    private func assignPods(_ state: inout DesiredState, now: Int64) {
        var declared: [(key: String, pod: Pod, file: String)] = []
        // ConfigMaps and Secrets by namespace/name; the first file by name declaring one wins.
        var configMaps: [String: ConfigMap] = [:], secrets: [String: Secret] = [:]
        for (path, cached) in cache.sorted(by: { $0.key < $1.key }) {
            for pod in cached.lastGood {
                declared.append(("\(pod.metadata.namespace)/\(pod.metadata.name)", pod, path))
            }
            for cm in cached.parsed.configMaps where configMaps["\(cm.metadata.namespace)/\(cm.metadata.name)"] == nil {
                configMaps["\(cm.metadata.namespace)/\(cm.metadata.name)"] = cm
            }
            for secret in cached.parsed.secrets where secrets["\(secret.metadata.namespace)/\(secret.metadata.name)"] == nil {
                secrets["\(secret.metadata.namespace)/\(secret.metadata.name)"] = secret
            }
        }
        // A file keeps the pods it already owned, so a newcomer never steals a running pod;
        // a key nobody owned yet goes to the first file declaring it (by name).
        let stillDeclared = Set(declared.map { "\($0.key)\u{0}\($0.file)" })
        owners = owners.filter { stillDeclared.contains("\($0.key)\u{0}\($0.value)") }
        for (key, _, file) in declared where owners[key] == nil {
            owners[key] = file
        }
        for (key, pod, file) in declared {
            guard owners[key] == file else {
                state.errors.append(ManifestErrorRecord(
                    file: file, line: 0,
                    message: "pod \(key) is already declared in \(owners[key] ?? "another file"); this declaration is ignored",
                    observedAt: now))
                continue
            }
            let json = (try? encoder.encode(pod)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            var objects = PodConfigObjects()
            let refs = configReferences(of: pod)
            for name in refs.configMaps { objects.configMaps[name] = configMaps["\(pod.metadata.namespace)/\(name)"] }
            for name in refs.secrets { objects.secrets[name] = secrets["\(pod.metadata.namespace)/\(name)"] }
            state.pods[pod.metadata.uid] = DesiredPod(pod: pod, file: file, specJSON: json, objects: objects)
        }
    }
}

/// The ConfigMap and Secret names a pod uses, in volumes, env valueFrom and envFrom; a change of
/// one of those objects changes the pod's `DesiredPod` and so syncs it.
func configReferences(of pod: Pod) -> (configMaps: Set<String>, secrets: Set<String>) {
    var configMaps = Set(pod.spec.volumes.compactMap { $0.configMap?.name })
    var secrets = Set(pod.spec.volumes.compactMap { $0.secret?.secretName })
    for container in pod.spec.initContainers + pod.spec.containers {
        for variable in container.env {
            if let name = variable.valueFrom?.configMapKeyRef?.name { configMaps.insert(name) }
            if let name = variable.valueFrom?.secretKeyRef?.name { secrets.insert(name) }
        }
        for source in container.envFrom {
            if let name = source.configMapRef?.name { configMaps.insert(name) }
            if let name = source.secretRef?.name { secrets.insert(name) }
        }
    }
    return (configMaps, secrets)
}

/// What decides whether a file changed: size, mtime and inode (a rename-over replaces the inode).
struct FileStamp: Equatable {
    var size: Int64
    var mtime: Int64
    var inode: UInt64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        size = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        inode = UInt64(st.st_ino)
    }
}
