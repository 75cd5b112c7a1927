import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

/// Everything the end-to-end tests need: the executor under test, the shim, root, overlayfs.
enum TestEnvironment {
    /// The OCI runtime under test: `SWKUBE_TEST_RUNTIME` (e.g. `.build/debug/swkube-runc`), else
    /// Debian's runc.
    static let runtimePath = getenv("SWKUBE_TEST_RUNTIME").map { String(cString: $0) } ?? "/usr/sbin/runc"

    /// `SWKUBE_TEST_SHIM`, else the `swkube-shim` built beside the test bundle.
    static let shimPath: String = {
        if let p = getenv("SWKUBE_TEST_SHIM") { return String(cString: p) }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var dir = FS.dirname(of: exe)
        // The test binary may sit inside a `.xctest` bundle directory.
        if dir.hasSuffix(".xctest") { dir = FS.dirname(of: dir) }
        return "\(dir)/swkube-shim"
    }()

    static var canRunContainers: Bool {
        getuid() == 0 && access(runtimePath, X_OK) == 0 && access(shimPath, X_OK) == 0 && access("/bin/busybox", R_OK) == 0
    }
    static let skipReason: Comment = "needs root, /bin/busybox, an OCI runtime (SWKUBE_TEST_RUNTIME, default /usr/sbin/runc) and a built swkube-shim"
}

/// A fixed clock, so tests can see that timestamps come from the injected clock.
struct FixedClock: NodeClock {
    let nanos: Int64
    init(now: Int64) { nanos = now }
    func now() -> Int64 { nanos }
    /// The runtime never sleeps on its clock; a caller that did would go on at once.
    func sleep(nanoseconds: Int64) async throws {}
}

/// Serves one busybox directory as every image; unknown references are `.notFound`.
struct BusyboxImages: ImageProvider {
    let rootfs: String
    var image = RuntimeImage(id: "sha256:busybox-test", lowerDirs: [])

    func runtimeImage(for reference: String) async throws -> RuntimeImage {
        guard reference.hasPrefix("busybox") else { throw SwkError(.notFound, "image \(reference)") }
        var i = image
        i.lowerDirs = [rootfs]
        return i
    }
}

/// A temp directory with a busybox rootfs and a `LocalRuntime` on its own state directories.
/// `tearDown` removes every sandbox through the runtime, then the directory.
struct Harness {
    static let clockNow: Int64 = 1_700_000_000_000_000_000
    let base: String
    let rootfs: String
    let logDir: String
    let podUID: String
    let runtime: LocalRuntime
    var cni: (confDir: String, binDirs: [String])? = nil

    /// `cni`: the runtime's CNI conf dir and plugin dirs (nil: sandboxes get only `lo`).
    /// `configure` adjusts the runtime's configuration (log rotation…).
    static func make(image: RuntimeImage? = nil, cni: (confDir: String, binDirs: [String])? = nil,
                     base existing: String? = nil,
                     configure: (inout LocalRuntime.Configuration) -> Void = { _ in }) throws -> Harness {
        let base = try existing ?? makeTempDir()
        let rootfs = "\(base)/image"
        try makeBusyboxRootfs(rootfs)
        var images = BusyboxImages(rootfs: rootfs)
        if let image { images.image = image }
        let runtime = try makeRuntime(base: base, images: images, cni: cni, configure: configure)
        return Harness(base: base, rootfs: rootfs, logDir: "\(base)/logs", podUID: "uid-\(FS.basename(of: base))",
                       runtime: runtime, cni: cni)
    }

    static func makeTempDir() throws -> String {
        try TestSupport.makeTempDir("rt")
    }

    /// A new runtime object on the same directories, as after a daemon restart.
    func reopened() throws -> Harness {
        Harness(base: base, rootfs: rootfs, logDir: logDir, podUID: podUID,
                runtime: try Harness.makeRuntime(base: base, images: BusyboxImages(rootfs: rootfs), cni: cni), cni: cni)
    }

    static func makeRuntime(base: String, images: BusyboxImages, cni: (confDir: String, binDirs: [String])? = nil,
                            configure: (inout LocalRuntime.Configuration) -> Void = { _ in }) throws -> LocalRuntime {
        var config = LocalRuntime.Configuration(
            rootDir: "\(base)/lib", runDir: "\(base)/run", runtimePath: TestEnvironment.runtimePath,
            shimPath: TestEnvironment.shimPath, images: images, clock: FixedClock(now: clockNow),
            cniConfDir: cni?.confDir, cniBinDirs: cni?.binDirs ?? [])
        configure(&config)
        return try LocalRuntime(config)
    }

    static func makeBusyboxRootfs(_ root: String) throws {
        for dir in ["bin", "etc", "tmp", "proc", "sys", "dev", "root"] { try FS.makeDirectories("\(root)/\(dir)") }
        let bytes = try FS.readBytes("/bin/busybox")
        try FS.writeAtomic("\(root)/bin/busybox", bytes, mode: 0o755)
        for applet in ["sh", "sleep", "cat", "echo", "hostname", "id", "ls", "true", "false", "ps", "grep", "head", "tr",
                       "wget", "httpd", "nc", "ip", "seq", "mount", "stat", "touch", "df", "wc", "cut", "unshare", "mkdir"] {
            symlink("busybox", "\(root)/bin/\(applet)")
        }
        try FS.writeAtomic("\(root)/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000::/:/bin/sh\n")
        try FS.writeAtomic("\(root)/etc/group", "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nvideo:x:44:app\n")
    }

    func sandboxConfig(name: String = "web") -> PodSandboxConfig {
        var c = PodSandboxConfig(metadata: PodSandboxMetadata(name: name, uid: podUID, namespace: "default"))
        c.logDirectory = logDir
        c.labels = [KubeLabels.podName: name, "test": "runtime"]
        return c
    }

    func containerConfig(name: String = "main", _ command: [String]) -> ContainerConfig {
        var c = ContainerConfig(metadata: ContainerMetadata(name: name), image: ImageSpec(image: "busybox:test"))
        c.command = command
        c.logPath = "\(name)/0.log"
        c.labels = [KubeLabels.containerName: name]
        return c
    }

    /// Creates a sandbox and a started container running `command`.
    func runContainer(_ command: [String], configure: (inout ContainerConfig) -> Void = { _ in })
        async throws -> (sandbox: String, container: String) {
        let sc = sandboxConfig()
        let sandbox = try await runtime.runPodSandbox(sc)
        var cc = containerConfig(command)
        configure(&cc)
        let container = try await runtime.createContainer(sandbox, cc, sc)
        try await runtime.startContainer(container)
        return (sandbox, container)
    }

    func tearDown() async {
        for s in (try? await runtime.listPodSandbox(nil)) ?? [] {
            do { try await runtime.removePodSandbox(s.id) } catch { print("tear down \(s.id): \(error)") }
        }
        try? FS.removeTree(base)
    }

    /// Runs `body` with a fresh harness and always tears it down.
    static func with(image: RuntimeImage? = nil, configure: (inout LocalRuntime.Configuration) -> Void = { _ in },
                     _ body: (Harness) async throws -> Void) async throws {
        let h = try make(image: image, configure: configure)
        do {
            try await body(h)
        } catch {
            await h.tearDown()
            throw error
        }
        await h.tearDown()
    }
}

/// Polls `condition` until it holds or `seconds` pass (for external processes reaching a state).
func eventually(seconds: Int = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

func mountTable() -> String { (try? FS.readString("/proc/self/mountinfo")) ?? "" }

/// Parsed CRI log lines: (stream, tag, content).
func criLogLines(_ path: String) throws -> [(stream: String, tag: String, text: String)] {
    try FS.readString(path).split(separator: "\n").map { line in
        let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard f.count == 4, f[0].hasSuffix("Z"), f[0].count == 30 else {
            throw SwkError(.invalidArgument, "not a CRI log line: \(line)")
        }
        return (String(f[1]), String(f[2]), String(f[3]))
    }
}
