import CRI
import FoundationEssentials
import Glibc
import SwkSupport

/// A sandbox or container directory whose record could not be read (damaged, missing, or of a
/// newer version). It is never dropped: the sandbox is listed NOTREADY and the container
/// CONTAINER_UNKNOWN, with a message naming the file and the error, so the client kills and
/// removes it as kubelet does with unknown containers; removal stops whatever process the shim's
/// files still show and cleans up what the directories hold.
struct UnreadableRecord: Sendable {
    var id: String
    /// `unreadable record: decode <path>: <error>`.
    var message: String
    /// What the damaged file still says about its object, field by field.
    var salvage: RecordSalvage
    var createdAt: Int64

    init(id: String, path: String, error: any Error) {
        self.id = id
        message = "unreadable record: \(error)"
        salvage = (try? FS.readBytes(path)).flatMap { try? JSONDecoder().decode(RecordSalvage.self, from: Data($0)) }
            ?? RecordSalvage()
        // Ordering among a container's instances needs a time: the record's, else when the file
        // (or its directory) last changed, which is no earlier than the creation.
        createdAt = salvage.createdAt ?? Self.modified(path) ?? Self.modified(FS.dirname(of: path)) ?? 0
    }

    private static func modified(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}

/// The identifying fields of a record, each taken only if it is intact (a wrong type or a missing
/// key leaves it nil); a file that is not JSON at all yields nothing.
struct RecordSalvage: Decodable, Sendable {
    var podSandboxId: String?
    var createdAt: Int64?
    var stopSignal: Int32?
    var name: String?
    var uid: String?
    var namespace: String?
    var attempt: UInt32?
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]
    var cgroupParent: String?

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RecordKey.self)
        podSandboxId = try? c.decode(String.self, forKey: "podSandboxId")
        createdAt = try? c.decode(Int64.self, forKey: "createdAt")
        stopSignal = try? c.decode(Int32.self, forKey: "stopSignal")
        guard let config = try? c.nestedContainer(keyedBy: RecordKey.self, forKey: "config") else { return }
        labels = (try? config.decode([String: String].self, forKey: "labels")) ?? [:]
        annotations = (try? config.decode([String: String].self, forKey: "annotations")) ?? [:]
        cgroupParent = try? config.nestedContainer(keyedBy: RecordKey.self, forKey: "linux")
            .decode(String.self, forKey: "cgroupParent")
        guard let meta = try? config.nestedContainer(keyedBy: RecordKey.self, forKey: "metadata") else { return }
        name = try? meta.decode(String.self, forKey: "name")
        uid = try? meta.decode(String.self, forKey: "uid")
        namespace = try? meta.decode(String.self, forKey: "namespace")
        attempt = try? meta.decode(UInt32.self, forKey: "attempt")
    }

    /// The sandbox config as far as it is known: enough for CNI DEL and the pod's cgroup and volumes.
    var sandboxConfig: PodSandboxConfig {
        var c = PodSandboxConfig(metadata: PodSandboxMetadata(name: name ?? "", uid: uid ?? "", namespace: namespace ?? "",
                                                              attempt: attempt ?? 0))
        c.labels = labels
        c.annotations = annotations
        c.linux.cgroupParent = cgroupParent ?? ""
        return c
    }
}

/// Every record found under the run directory, the unreadable ones apart.
struct LoadedRecords {
    var sandboxes: [String: SandboxRecord] = [:]
    var containers: [String: ContainerRecord] = [:]
    var unreadableSandboxes: [String: UnreadableRecord] = [:]
    var unreadableContainers: [String: UnreadableRecord] = [:]
}

extension RuntimeLayout {
    /// Reads every record; one that cannot be read is logged through `warn` and kept as an
    /// `UnreadableRecord`.
    func loadRecords(warn: (String) -> Void) throws(SwkError) -> LoadedRecords {
        var loaded = LoadedRecords()
        for id in try FS.list(sandboxesDir) {
            let path = "\(sandboxDir(id))/sandbox.json"
            do { loaded.sandboxes[id] = try JSONFile.read(SandboxRecord.self, from: path) } catch {
                let broken = UnreadableRecord(id: id, path: path, error: error)
                warn("sandbox \(id): \(broken.message); listed NOTREADY until removed")
                loaded.unreadableSandboxes[id] = broken
            }
        }
        for id in try FS.list(containersDir) {
            let path = "\(containerDir(id))/container.json"
            do { loaded.containers[id] = try JSONFile.read(ContainerRecord.self, from: path) } catch {
                var broken = UnreadableRecord(id: id, path: path, error: error)
                if broken.salvage.podSandboxId == nil { broken.salvage.podSandboxId = bundleSandbox(id) }
                warn("container \(id): \(broken.message); listed CONTAINER_UNKNOWN until removed")
                loaded.unreadableContainers[id] = broken
            }
        }
        // A sandbox file too damaged to name its pod takes the pod's identity from its containers'
        // records (the labels kubelet puts on both), so that the pod's owner finds and replaces it.
        for (id, broken) in loaded.unreadableSandboxes where broken.salvage.uid == nil {
            guard let labels = loaded.containers.values.first(where: { $0.podSandboxId == id })?.config.labels else { continue }
            var salvage = broken.salvage
            salvage.name = labels[KubeLabels.podName]
            salvage.namespace = labels[KubeLabels.podNamespace]
            salvage.uid = labels[KubeLabels.podUID]
            salvage.labels = labels.filter { [KubeLabels.podName, KubeLabels.podNamespace, KubeLabels.podUID].contains($0.key) }
            loaded.unreadableSandboxes[id]?.salvage = salvage
        }
        return loaded
    }

    /// The sandbox a container's OCI bundle belongs to: its /etc/hostname comes from the sandbox's
    /// directory (see `createContainer`).
    private func bundleSandbox(_ id: String) -> String? {
        guard let bundle = try? JSONFile.read(BundleConfig.self, from: "\(containerDir(id))/config.json"),
              let hostname = bundle.mounts.first(where: { $0.destination == "/etc/hostname" }) else { return nil }
        let dir = FS.dirname(of: hostname.source)
        return FS.dirname(of: dir) == sandboxesDir ? FS.basename(of: dir) : nil
    }
}

extension LocalRuntime {
    func sandboxStatus(ofUnreadable u: UnreadableRecord) -> PodSandboxStatus {
        let config = u.salvage.sandboxConfig
        var status = PodSandboxStatus(id: u.id, metadata: config.metadata, state: .notReady, createdAt: u.createdAt)
        status.labels = config.labels
        status.annotations = config.annotations
        return status
    }

    func status(ofUnreadable u: UnreadableRecord) -> ContainerStatus {
        var s = ContainerStatus(id: u.id, metadata: ContainerMetadata(name: u.salvage.name ?? "", attempt: u.salvage.attempt ?? 0),
                                state: .unknown, createdAt: u.createdAt, image: ImageSpec(image: ""))
        // Without its own labels the container carries its sandbox's, so that the client that owns
        // the pod (which selects by the pod's labels) finds it and cleans it up.
        s.labels = u.salvage.labels.isEmpty
            ? u.salvage.podSandboxId.flatMap { sandboxes[$0]?.config.labels ?? unreadableSandboxes[$0]?.salvage.labels } ?? [:]
            : u.salvage.labels
        s.annotations = u.salvage.annotations
        s.reason = "Unknown"
        s.message = u.message
        if case .alive(let pid) = ShimFiles.observe(layout.containerDir(u.id)) { s.pid = pid }
        return s
    }
}
