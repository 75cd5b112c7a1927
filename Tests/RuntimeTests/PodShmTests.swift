import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

/// The pod's /dev/shm (kubelet + containerd): one tmpfs per sandbox shared by its containers,
/// kept across a daemon restart, gone with the sandbox; the host's for hostIPC.
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct PodShmTests {
    /// The mountinfo line of the mount at `point`, if any.
    static func mountLine(_ point: String) -> String? {
        mountTable().split(separator: "\n").map(String.init).first { $0.split(separator: " ").dropFirst(4).first.map(String.init) == point }
    }

    @Test func theSandboxOwnsOneShmTmpfsItsContainersShareAcrossARestartAndItGoesWithTheSandbox() async throws {
        try await Harness.with { h in
            let sc = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(sc)
            let dir = "\(h.base)/run/sandboxes/\(sandbox)"
            let line = try #require(Self.mountLine("\(dir)/shm"), "no tmpfs at \(dir)/shm")
            #expect(line.contains(" - tmpfs ") && line.contains("size=65536k"), "\(line)")
            for flag in ["nosuid", "nodev", "noexec"] { #expect(line.contains(flag), "\(line)") }
            var st = stat()
            #expect(stat("\(dir)/shm", &st) == 0 && st.st_mode & 0o7777 == 0o1777, "/dev/shm's mode")
            #expect(stat(dir, &st) == 0 && st.st_mode & 0o777 == 0o700, "the tmpfs is reachable by root only")

            let writer = try await h.runtime.createContainer(sandbox, h.containerConfig(name: "writer", ["sh", "-c", "echo shared >/dev/shm/mark; exec sleep 1000"]), sc)
            try await h.runtime.startContainer(writer)
            let reader = try await h.runtime.createContainer(sandbox, h.containerConfig(name: "reader", ["sleep", "1000"]), sc)
            try await h.runtime.startContainer(reader)
            #expect(try await eventually { try await h.runtime.execSync(reader, ["cat", "/dev/shm/mark"], timeout: 10).stdout == Array("shared\n".utf8) })

            // A restarted daemon adopts the sandbox with its shm: a new container still sees the file.
            let second = try h.reopened()
            let late = try await second.runtime.createContainer(sandbox, h.containerConfig(name: "late", ["sleep", "1000"]), sc)
            try await second.runtime.startContainer(late)
            #expect(try await second.runtime.execSync(late, ["cat", "/dev/shm/mark"], timeout: 10).stdout == Array("shared\n".utf8))

            try await second.runtime.removePodSandbox(sandbox)
            #expect(Self.mountLine("\(dir)/shm") == nil && !FS.exists(dir))
        }
    }

    @Test func anotherPodHasItsOwnShm() async throws {
        try await Harness.with { h in
            let (_, first) = try await h.runContainer(["sh", "-c", "echo one >/dev/shm/mark; exec sleep 1000"])
            #expect(try await eventually { try await h.runtime.execSync(first, ["cat", "/dev/shm/mark"], timeout: 10).exitCode == 0 })
            var other = h.sandboxConfig(name: "other")
            other.metadata.uid = "\(h.podUID)-other"
            let sandbox = try await h.runtime.runPodSandbox(other)
            let id = try await h.runtime.createContainer(sandbox, h.containerConfig(["sleep", "1000"]), other)
            try await h.runtime.startContainer(id)
            #expect(try await h.runtime.execSync(id, ["ls", "/dev/shm"], timeout: 10).stdout.isEmpty)
        }
    }

    @Test func aHostIPCPodGetsTheHostsDevShmAndNoTmpfsOfItsOwn() async throws {
        let name = "swkube-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FS.writeAtomic("/dev/shm/\(name)", "host\n")
        defer { unlink("/dev/shm/\(name)") }
        try await Harness.with { h in
            var sc = h.sandboxConfig()
            sc.linux.namespaceOptions.ipc = .node
            let sandbox = try await h.runtime.runPodSandbox(sc)
            #expect(Self.mountLine("\(h.base)/run/sandboxes/\(sandbox)/shm") == nil)
            let id = try await h.runtime.createContainer(sandbox, h.containerConfig(["sleep", "1000"]), sc)
            try await h.runtime.startContainer(id)
            #expect(try await h.runtime.execSync(id, ["cat", "/dev/shm/\(name)"], timeout: 10).stdout == Array("host\n".utf8))
        }
    }
}
