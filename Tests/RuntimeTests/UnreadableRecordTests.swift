import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Synchronization
import Testing

/// A record the runtime cannot read after a restart is reported and removable, never dropped:
/// its container CONTAINER_UNKNOWN (process still killed on removal), its sandbox NOTREADY.
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct UnreadableRecordTests {
    /// The runtime's warnings, as the daemon's logger would get them.
    final class Warnings: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func configure(_ c: inout LocalRuntime.Configuration) { c.warn = { line in self.lines.withLock { $0.append(line) } } }
    }

    /// A runtime on `h`'s directories, as after a daemon restart, whose warnings go to `warnings`.
    static func restarted(_ h: Harness, _ warnings: Warnings) throws -> Harness {
        Harness(base: h.base, rootfs: h.rootfs, logDir: h.logDir, podUID: h.podUID,
                runtime: try Harness.makeRuntime(base: h.base, images: BusyboxImages(rootfs: h.rootfs), configure: warnings.configure))
    }

    @Test func aRunningContainerWithAnUnreadableRecordIsUnknownAndRemovalKillsIt() async throws {
        try await Harness.with { h in
            let (sandbox, id) = try await h.runContainer(["sleep", "1000"])
            let pid = try await h.runtime.containerStatus(id).pid
            #expect(pid > 0)
            let record = "\(h.base)/run/containers/\(id)/container.json"
            try FS.writeAtomic(record, "{\"id\": \"\(id)\", trunc")

            let warnings = Warnings()
            let second = try Self.restarted(h, warnings)
            #expect(warnings.all.contains { $0.contains(id) && $0.contains(record) }, "\(warnings.all)")
            // Found by the pod's labels (its sandbox's), in the right sandbox, as unknown.
            let listed = try await second.runtime.listContainers(ContainerFilter(labelSelector: [KubeLabels.podName: "web"]))
            #expect(listed.map(\.id) == [id])
            #expect(listed.first?.podSandboxId == sandbox)
            #expect(listed.first?.state == .unknown)
            let status = try await second.runtime.containerStatus(id)
            #expect(status.state == .unknown)
            #expect(status.message.contains(record))
            #expect(status.pid == pid)
            await #expect(throws: SwkError.self) { try await second.runtime.startContainer(id) }

            try await second.runtime.removeContainer(id)
            #expect(Proc.startTime(pid) == nil, "the old process must be killed")
            #expect(!FS.exists("\(h.base)/run/containers/\(id)"))
            #expect(!FS.exists("\(h.base)/lib/containers/\(id)"))
            #expect(!mountTable().contains(id))
            #expect(try await second.runtime.listContainers(nil).isEmpty)
            await second.tearDown()
        }
    }

    @Test func anUnreadableSandboxIsNotReadyAndRemovalReleasesItAndItsContainers() async throws {
        try await Harness.with { h in
            let (sandbox, id) = try await h.runContainer(["sleep", "1000"])
            let pid = try await h.runtime.containerStatus(id).pid
            let record = "\(h.base)/run/sandboxes/\(sandbox)/sandbox.json"
            // A field of the wrong type: unreadable, but its labels still name the pod.
            let today = try FS.readString(record)
            try FS.writeAtomic(record, today.replacing("\"state\":0", with: "\"state\":\"ready\"", maxReplacements: 1))

            let warnings = Warnings()
            let second = try Self.restarted(h, warnings)
            #expect(warnings.all.contains { $0.contains(sandbox) && $0.contains(record) }, "\(warnings.all)")
            let listed = try await second.runtime.listPodSandbox(PodSandboxFilter(labelSelector: [KubeLabels.podName: "web"]))
            #expect(listed.map(\.id) == [sandbox])
            #expect(listed.first?.state == .notReady)
            #expect(try await second.runtime.podSandboxStatus(sandbox).state == .notReady)
            #expect(try await second.runtime.containerStatus(id).state == .running)

            try await second.runtime.removePodSandbox(sandbox)
            #expect(Proc.startTime(pid) == nil, "the sandbox's container must be killed")
            #expect(!FS.exists("\(h.base)/run/sandboxes/\(sandbox)"))
            #expect(!mountTable().contains(sandbox), "the pinned namespaces and /dev/shm must be released")
            #expect(try await second.runtime.listPodSandbox(nil).isEmpty)
            #expect(try await second.runtime.listContainers(nil).isEmpty)
        }
    }

    @Test func aSandboxFileThatIsNotJSONTakesItsPodFromItsContainers() async throws {
        try await Harness.with { h in
            let (sandbox, id) = try await h.runContainer(["sleep", "1000"]) { c in
                c.labels[KubeLabels.podUID] = h.podUID
                c.labels[KubeLabels.podName] = "web"
            }
            try FS.writeAtomic("\(h.base)/run/sandboxes/\(sandbox)/sandbox.json", "")
            let second = try Self.restarted(h, Warnings())
            let listed = try await second.runtime.listPodSandbox(PodSandboxFilter(labelSelector: [KubeLabels.podUID: h.podUID]))
            #expect(listed.map(\.id) == [sandbox])
            #expect(listed.first?.metadata.uid == h.podUID)
            #expect(listed.first?.metadata.name == "web")
            #expect(listed.first?.state == .notReady)
            try await second.runtime.removePodSandbox(sandbox)
            #expect(try await second.runtime.listContainers(ContainerFilter(id: id)).isEmpty)
            #expect(!FS.exists("\(h.base)/run/sandboxes/\(sandbox)"))
            #expect(!mountTable().contains(sandbox))
        }
    }

    @Test func aFailedCreateLogsTheRollbackStepThatFailed() async throws {
        let warnings = Warnings()
        // An OCI runtime that refuses everything: the shim's create fails, and so does the
        // rollback's `delete`.
        let dir = try Harness.makeTempDir()
        defer { try? FS.removeTree(dir) }
        try FS.writeAtomic("\(dir)/refuse", "#!/bin/sh\necho \"refused: $*\" >&2\nexit 1\n", mode: 0o755)
        try await Harness.with(configure: { c in
            warnings.configure(&c)
            c.runtimePath = "\(dir)/refuse"
        }) { h in
            let sc = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(sc)
            await #expect(throws: SwkError.self) { _ = try await h.runtime.createContainer(sandbox, h.containerConfig(["true"]), sc) }
            #expect(warnings.all.contains { $0.hasPrefix("failed to clean up container ") && $0.contains("refused: ") },
                    "\(warnings.all)")
            // What the failed delete left is still the runtime's to remove.
            for id in try FS.list("\(h.base)/run/containers") {
                try Mounts.unmount("\(h.base)/run/containers/\(id)/rootfs")
            }
        }
    }
}
