import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

/// The runtime's records on disk: today's files (Tests/Fixtures/records, copied from a node run by
/// the build before records were versioned) must keep loading, so containers are adopted across
/// an upgrade; older files get defaults; newer ones are refused; damaged ones are salvaged.
struct RecordsTests {
    static let fixtures: String = {
        var dir = FS.dirname(of: #filePath)
        while !FS.exists("\(dir)/Package.swift") && dir != "/" { dir = FS.dirname(of: dir) }
        return "\(dir)/Tests/Fixtures/records"
    }()
    static let containerID = "a4df2b843f55b7e7604e701d354cd33fdf4a6b147ea9cfb3fc71a797b5ab5509"
    static let sandboxID = "6e37704a4dcc7eff84a5a55406cd56c526797a846ff6d869918ba18739f383fa"
    static let podUID = "15c534f3-5983-8c6d-83e5-6c3cb2cbe454"

    @Test func todaysContainerRecordLoadsAsVersionZero() throws {
        let r = try JSONFile.read(ContainerRecord.self, from: "\(Self.fixtures)/container.json")
        #expect(r.version == 0)
        #expect(r.id == Self.containerID)
        #expect(r.podSandboxId == Self.sandboxID)
        #expect(r.stopSignal == SIGTERM)
        #expect(r.startedAt == 1_796_684_824_116_556_966)
        #expect(r.imageRef == "sha256:a487f3343cec827cde4173b51b9e75668d0f3b9e7c4f2bea132e486eecfaa3e7")
        #expect(r.config.metadata == ContainerMetadata(name: "main"))
        #expect(r.config.command == ["sleep", "1000"])
        #expect(r.config.envs == [KeyValue(key: "GREETING", value: "hello")])
        #expect(r.config.labels[KubeLabels.podUID] == Self.podUID)
        #expect(r.config.annotations[KubeLabels.containerHash] == "ff11819ee3c0c201")
        #expect(r.config.mounts.first?.volume == PodVolume(name: "scratch", source: .emptyDir(memory: false, sizeLimitBytes: 0)))
        #expect(r.config.mounts.first?.propagation == .private)
        #expect(r.config.linux.resources.memoryLimitInBytes == 64 << 20)
        #expect(r.config.linux.securityContext.runAsUser == 1000)
        #expect(r.config.linux.securityContext.noNewPrivs)
        #expect(r.config.linux.securityContext.seccomp == SecurityProfile(profileType: .runtimeDefault))
    }

    @Test func todaysSandboxRecordLoadsAsVersionZero() throws {
        let r = try JSONFile.read(SandboxRecord.self, from: "\(Self.fixtures)/sandbox.json")
        #expect(r.version == 0)
        #expect(r.id == Self.sandboxID)
        #expect(r.state == .ready)
        #expect(r.ip == "10.235.251.2")
        #expect(r.hostname == "web")
        #expect(r.namespaces.keys.sorted() == ["ipc", "network", "uts"])
        #expect(r.config.metadata == PodSandboxMetadata(name: "web", uid: Self.podUID, namespace: "default"))
        #expect(r.config.portMappings == [PortMapping(containerPort: 8080, hostPort: 18080)])
        #expect(r.config.dnsConfig?.servers == ["10.255.255.53"])
        #expect(r.config.linux.cgroupParent == "/swkube/\(Self.podUID)")
        #expect(r.config.linux.resources?.cpuShares == 256)
    }

    @Test func recordsAreWrittenAtTheCurrentVersionAndReadBackUnchanged() throws {
        let dir = try makeTempDir("records")
        defer { try? FS.removeTree(dir) }
        let container = try JSONFile.read(ContainerRecord.self, from: "\(Self.fixtures)/container.json")
        try JSONFile.write(container, to: "\(dir)/container.json")
        #expect(try FS.readString("\(dir)/container.json").contains("\"version\":\(RecordVersion.current)"))
        let c = try JSONFile.read(ContainerRecord.self, from: "\(dir)/container.json")
        #expect(c.version == RecordVersion.current)
        #expect(c.config == container.config)
        #expect((c.id, c.podSandboxId, c.imageRef) == (container.id, container.podSandboxId, container.imageRef))
        #expect((c.createdAt, c.startedAt, c.logPath, c.stopSignal)
                == (container.createdAt, container.startedAt, container.logPath, container.stopSignal))

        let sandbox = try JSONFile.read(SandboxRecord.self, from: "\(Self.fixtures)/sandbox.json")
        try JSONFile.write(sandbox, to: "\(dir)/sandbox.json")
        let s = try JSONFile.read(SandboxRecord.self, from: "\(dir)/sandbox.json")
        #expect(s.version == RecordVersion.current)
        #expect(s.config == sandbox.config)
        #expect((s.id, s.createdAt, s.state, s.hostname, s.namespaces, s.ip)
                == (sandbox.id, sandbox.createdAt, sandbox.state, sandbox.hostname, sandbox.namespaces, sandbox.ip))
    }

    @Test func filesFromBeforeAFieldExistedReadWithItsDefault() throws {
        let dir = try makeTempDir("records")
        defer { try? FS.removeTree(dir) }
        // No securityContext, no mount propagation/subPath/readonly/volume, no sysctls, no ip.
        try FS.writeAtomic("\(dir)/container.json", """
            {"config":{"image":{"image":"busybox"},"metadata":{"attempt":1,"name":"main"},
             "mounts":[{"containerPath":"/data","hostPath":"/srv/data"}],
             "linux":{"resources":{"cpuPeriod":0,"cpuQuota":0,"cpuShares":0,"memoryLimitInBytes":0}}},
             "createdAt":1,"id":"c","imageRef":"sha256:x","logPath":"/l","podSandboxId":"s","startedAt":2,"stopSignal":9}
            """)
        let c = try JSONFile.read(ContainerRecord.self, from: "\(dir)/container.json")
        #expect(c.config.mounts == [Mount(containerPath: "/data", hostPath: "/srv/data")])
        #expect(c.config.mounts.first?.propagation == .private)
        #expect(c.config.linux.securityContext == LinuxContainerSecurityContext())
        #expect(c.config.labels.isEmpty && c.config.command.isEmpty && c.config.logPath.isEmpty)

        try FS.writeAtomic("\(dir)/sandbox.json", """
            {"config":{"metadata":{"attempt":0,"name":"web","namespace":"default","uid":"u"},
             "linux":{"cgroupParent":"","namespaceOptions":{"ipc":0,"network":2,"pid":1}}},
             "createdAt":1,"hostname":"h","id":"s","namespaces":{},"state":1}
            """)
        let s = try JSONFile.read(SandboxRecord.self, from: "\(dir)/sandbox.json")
        #expect(s.config.linux.sysctls.isEmpty)
        #expect(s.config.linux.namespaceOptions.network == .node)
        #expect(s.ip == nil && s.state == .notReady)
    }

    @Test func aRecordOfANewerVersionIsRefusedAndNamesItsVersion() throws {
        let dir = try makeTempDir("records")
        defer { try? FS.removeTree(dir) }
        let today = try FS.readString("\(Self.fixtures)/container.json")
        try FS.writeAtomic("\(dir)/container.json", "{\"version\":\(RecordVersion.current + 1)," + today.dropFirst())
        do {
            _ = try JSONFile.read(ContainerRecord.self, from: "\(dir)/container.json")
            Issue.record("a record of a newer version was read")
        } catch {
            #expect("\(error)".contains("record version \(RecordVersion.current + 1)"))
            #expect("\(error)".contains("\(dir)/container.json"))
        }
    }

    @Test func aDamagedRecordStillTellsWhatItStoodFor() throws {
        let dir = try makeTempDir("records")
        defer { try? FS.removeTree(dir) }
        let today = try FS.readString("\(Self.fixtures)/container.json")
        let path = "\(dir)/container.json"
        // A field of the wrong type: the record is unreadable, its identity is not.
        try FS.writeAtomic(path, today.replacing("\"startedAt\":1796684824116556966", with: "\"startedAt\":\"soon\"", maxReplacements: 1))
        do {
            _ = try JSONFile.read(ContainerRecord.self, from: path)
            Issue.record("a record with a field of the wrong type was read")
        } catch {
            let broken = UnreadableRecord(id: "c", path: path, error: error)
            #expect(broken.message == "unreadable record: decode \(path): field startedAt: expected Int64")
            #expect(broken.salvage.podSandboxId == Self.sandboxID)
            #expect(broken.salvage.name == "main")
            #expect(broken.salvage.labels[KubeLabels.podUID] == Self.podUID)
            #expect(broken.salvage.annotations[KubeLabels.containerHash] == "ff11819ee3c0c201")
            #expect(broken.salvage.stopSignal == SIGTERM)
            #expect(broken.createdAt == 1_796_684_824_050_524_167)
        }
        // Not JSON at all: nothing to salvage, but still a time to order it by.
        try FS.writeAtomic(path, "\u{0}\u{0}garbage")
        let garbage = UnreadableRecord(id: "c", path: path, error: SwkError(.internal, "decode \(path)"))
        #expect(garbage.salvage.podSandboxId == nil && garbage.salvage.labels.isEmpty)
        #expect(garbage.createdAt > 0)
    }
}
