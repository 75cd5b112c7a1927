import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

func volumeMount(_ path: String, _ name: String, _ source: PodVolumeSource, subPath: String = "", readonly: Bool = false) -> CRI.Mount {
    var m = CRI.Mount(containerPath: path, hostPath: "", readonly: readonly)
    m.volume = PodVolume(name: name, source: source)
    m.subPath = subPath
    return m
}

/// hostPath type checks and subPath resolution on plain files: no root needed.
struct VolumePathTests {
    @Test(arguments: [
        ("dir", "Directory", nil), ("dir", "", nil), ("missing", "", nil),
        ("file", "File", nil), ("sock", "Socket", nil),
        ("missing", "Directory", "does not exist (type Directory)"),
        ("file", "Directory", "is not a directory (type Directory)"),
        ("dir", "File", "is not a file (type File)"),
        ("file", "Socket", "is not a socket (type Socket)"),
        ("dir", "CharDevice", "is not a character device (type CharDevice)"),
        ("dir", "Fifo", "unknown type \"Fifo\""),
    ] as [(String, String, String?)])
    func hostPathTypes(name: String, type: String, failure: String?) throws {
        let base = try Harness.makeTempDir()
        defer { try? FS.removeTree(base) }
        try FS.makeDirectories("\(base)/dir")
        try FS.writeAtomic("\(base)/file", "x")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in "\(base)/sock".utf8.enumerated() where i < buf.count - 1 { buf[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        defer { close(fd) }
        try #require(bound == 0)
        if let failure {
            let error = #expect(throws: SwkError.self) { try PodVolumes.checkHostPath("\(base)/\(name)", type: type) }
            #expect(error?.message == "hostPath \(base)/\(name): \(failure)")
        } else {
            try PodVolumes.checkHostPath("\(base)/\(name)", type: type)
        }
    }

    @Test func orCreateTypesCreateWhatIsMissing() throws {
        let base = try Harness.makeTempDir()
        defer { try? FS.removeTree(base) }
        try PodVolumes.checkHostPath("\(base)/a/b/c", type: "DirectoryOrCreate")
        #expect(FS.isDirectory("\(base)/a/b/c"))
        try PodVolumes.checkHostPath("\(base)/a/f", type: "FileOrCreate")
        #expect(FS.exists("\(base)/a/f") && !FS.isDirectory("\(base)/a/f"))
        // FileOrCreate does not make the parent (as in Kubernetes).
        #expect(throws: SwkError.self) { try PodVolumes.checkHostPath("\(base)/nope/f", type: "FileOrCreate") }
        #expect(throws: SwkError.self) { try PodVolumes.checkHostPath("\(base)/a/f", type: "DirectoryOrCreate") }
    }

    /// The path `sub` resolves to inside `root`, read back from the descriptor.
    func resolved(_ sub: String, in root: String) throws -> String {
        let fd = try PodVolumes.openSubPath(sub, in: root)
        defer { close(fd) }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    @Test func subPathIsCreatedAndMayNotEscapeTheVolume() throws {
        let base = try Harness.makeTempDir()
        defer { try? FS.removeTree(base) }
        try FS.makeDirectories("\(base)/vol")
        #expect(try resolved("x/y", in: "\(base)/vol") == "\(base)/vol/x/y")
        #expect(FS.isDirectory("\(base)/vol/x/y"))
        symlink(base, "\(base)/vol/out")
        symlink("x", "\(base)/vol/in")
        symlink("/", "\(base)/vol/root")
        symlink("../../..", "\(base)/vol/up")
        symlink("/proc/self/root", "\(base)/vol/magic")
        #expect(try resolved("in/y", in: "\(base)/vol") == "\(base)/vol/x/y")
        for escape in ["out", "root", "up", "up/etc", "magic"] {
            let error = #expect(throws: SwkError.self) { try resolved(escape, in: "\(base)/vol") }
            #expect(error?.message == "subPath \"\(escape)\": resolves outside the volume \(base)/vol", "\(escape)")
        }
        #expect(throws: SwkError.self) { try PodVolumes.openSubPath("../x", in: "\(base)/vol") }
        #expect(throws: SwkError.self) { try PodVolumes.openSubPath("/etc", in: "\(base)/vol") }
        #expect(!FS.exists("\(base)/etc"))
    }
}

@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct VolumeTests {
    /// Runs `script` in a new container of `sandbox` and returns its exit code and stdout lines.
    func run(_ h: Harness, _ sandbox: String, _ config: PodSandboxConfig, name: String, _ script: String,
             mounts: [CRI.Mount]) async throws -> (Int32, [String]) {
        var c = h.containerConfig(name: name, ["sh", "-c", script])
        c.mounts = mounts
        let id = try await h.runtime.createContainer(sandbox, c, config)
        try await h.runtime.startContainer(id)
        #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
        let status = try await h.runtime.containerStatus(id)
        return (status.exitCode, try criLogLines(status.logPath).filter { $0.stream == "stdout" }.map(\.text))
    }

    @Test func hostPathReadWriteReadOnlyAndSubPath() async throws {
        try await Harness.with { h in
            let host = "\(h.base)/host"
            try FS.makeDirectories("\(host)/sub")
            try FS.writeAtomic("\(host)/sub/in.txt", "from-host")
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            let source = PodVolumeSource.hostPath(path: host, type: "Directory")
            let (code, out) = try await run(h, sandbox, config, name: "writer", """
                cat /sub/in.txt; echo; echo written > /data/out.txt && echo rw-ok
                touch /ro/x 2>/dev/null && echo ro-writable || echo ro-refused
                """, mounts: [volumeMount("/data", "host", source), volumeMount("/ro", "host", source, readonly: true),
                              volumeMount("/sub", "host", source, subPath: "sub", readonly: true)])
            #expect(code == 0)
            #expect(out == ["from-host", "rw-ok", "ro-refused"])
            #expect(try FS.readString("\(host)/out.txt") == "written\n")
        }
    }

    @Test func aMissingHostPathFailsTheContainerAndLeavesNothing() async throws {
        try await Harness.with { h in
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            var c = h.containerConfig(["true"])
            c.mounts = [volumeMount("/data", "gone", .hostPath(path: "\(h.base)/nope", type: "Directory"))]
            let error = await #expect(throws: SwkError.self) { try await h.runtime.createContainer(sandbox, c, config) }
            #expect(error?.message.contains("volume gone: hostPath \(h.base)/nope: does not exist (type Directory)") == true)
            #expect(try await h.runtime.listContainers(nil).isEmpty)
            #expect(try FS.list("\(h.base)/run/containers").isEmpty)
            #expect(!mountTable().contains("\(h.base)/run/containers"))
        }
    }

    @Test func emptyDirsAreSharedByThePodAndRemovedWithIt() async throws {
        try await Harness.with { h in
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            let disk = PodVolumeSource.emptyDir(memory: false, sizeLimitBytes: 0)
            let memory = PodVolumeSource.emptyDir(memory: true, sizeLimitBytes: 4 << 20)
            let mounts = [volumeMount("/cache", "cache", disk), volumeMount("/mem", "mem", memory),
                          volumeMount("/part", "cache", disk, subPath: "part")]
            let (c1, _) = try await run(h, sandbox, config, name: "first",
                                        "echo one > /cache/a && echo two > /mem/b && echo three > /part/c", mounts: mounts)
            #expect(c1 == 0)
            let (c2, out) = try await run(h, sandbox, config, name: "second", """
                cat /cache/a /mem/b /cache/part/c; grep ' /mem ' /proc/mounts | cut -d' ' -f3,4 | tr ',' '\\n' | grep -E '^tmpfs|size='
                stat -c %a /cache
                """, mounts: mounts)
            #expect(c2 == 0)
            #expect(out == ["one", "two", "three", "tmpfs rw", "size=4096k", "777"])

            let podDir = "\(h.base)/lib/pods/\(h.podUID)"
            let memDir = "\(podDir)/volumes/kubernetes.io~empty-dir/mem"
            #expect(PodVolumes.isMountPoint(memDir))
            #expect(try FS.readString("\(podDir)/volumes/kubernetes.io~empty-dir/cache/a") == "one\n")
            try await h.runtime.stopPodSandbox(sandbox)
            #expect(FS.exists(podDir), "a stopped sandbox keeps its volumes")
            try await h.runtime.removePodSandbox(sandbox)
            #expect(!FS.exists(podDir))
            #expect(!mountTable().contains(memDir))
        }
    }

    @Test func emptyDirUsageIsMeasuredPerVolume() async throws {
        try await Harness.with { h in
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            let mounts = [volumeMount("/big", "big", .emptyDir(memory: false, sizeLimitBytes: 1 << 20)),
                          volumeMount("/small", "small", .emptyDir(memory: false, sizeLimitBytes: 0))]
            let (code, _) = try await run(h, sandbox, config, name: "writer", """
                head -c 2097152 /dev/zero > /big/blob && mkdir /big/d && echo hi > /big/d/f && ln /big/blob /big/again
                echo x > /small/f
                """, mounts: mounts)
            #expect(code == 0)
            let usage = try await h.runtime.podSandboxVolumeUsage(sandbox)
            let big = try #require(usage["big"])
            #expect(big >= 2 << 20 && big < (2 << 20) + (64 << 10), "the blob once, though hard-linked twice: \(big)")
            #expect((usage["small"] ?? 0) > 0 && (usage["small"] ?? 0) < 64 << 10)
            #expect(usage.count == 2)
        }
    }

    @Test func configMapAndSecretFilesWithModesAndSecretsOnTmpfs() async throws {
        try await Harness.with { h in
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            let settings = PodVolumeSource.files([VolumeFile(path: "app.conf", content: Array("level=debug".utf8), mode: 0o644),
                                                  VolumeFile(path: "nested/run.sh", content: Array("echo run".utf8), mode: 0o755)],
                                                 memory: false)
            let token = PodVolumeSource.files([VolumeFile(path: "token", content: Array("s3cret".utf8), mode: 0o400)], memory: true)
            let (code, out) = try await run(h, sandbox, config, name: "reader", """
                cat /etc/app/app.conf; echo; stat -c %a /etc/app/app.conf /etc/app/nested/run.sh /secrets/token
                cat /secrets/token; echo; grep ' /secrets ' /proc/mounts | cut -d' ' -f3
                """, mounts: [volumeMount("/etc/app", "settings", settings, readonly: true),
                              volumeMount("/secrets", "token", token, readonly: true)])
            #expect(code == 0)
            #expect(out == ["level=debug", "644", "755", "400", "s3cret", "tmpfs"])
            // The secret's bytes are in its volume only, not in the runtime's records.
            let records = try FS.list("\(h.base)/run/containers").map { try FS.readString("\(h.base)/run/containers/\($0)/container.json") }
            #expect(!records.isEmpty)
            #expect(!records.contains { $0.contains("115,51,99") || $0.contains("s3cret") })
            try await h.runtime.removePodSandbox(sandbox)
            #expect(!mountTable().contains("\(h.base)/lib/pods"))
        }
    }
}
