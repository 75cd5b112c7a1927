import Glibc
import SwkSupport
import Testing
import TestSupport

/// A real swkube node for end-to-end tests: the built binaries, its own temp directories for
/// manifests, state, runtime state and logs, and swkubelet running as a child process.
final class NodeHarness {
    let dir: String
    var manifests: String { "\(dir)/pods" }
    var root: String { "\(dir)/root" }
    var run: String { "\(dir)/run" }
    var logs: String { "\(dir)/logs" }
    /// The node's own CNI network: a bridge and /24 unique to this test, never the host's config.
    var cniConfDir: String { "\(dir)/cni/net.d" }
    let bridge: String
    let subnetPrefix: String
    let runtime: String?
    private var daemon: pid_t = 0

    static var isRoot: Bool { getuid() == 0 }

    /// The directory holding the built executables (beside the test bundle).
    static let binDir: String = {
        let exe = FS.absolute(CommandLine.arguments[0])
        var dir = FS.dirname(of: exe)
        while !dir.hasSuffix("/debug") && !dir.hasSuffix("/release") && dir != "/" { dir = FS.dirname(of: dir) }
        return dir
    }()

    static let repoRoot: String = {
        var dir = FS.dirname(of: #filePath)
        while !FS.exists("\(dir)/Package.swift") && dir != "/" { dir = FS.dirname(of: dir) }
        return dir
    }()

    /// The demo image archive, built once per test run by the project's own script.
    static let demoImage: Result<String, SwkError> = {
        do {
            let dir = try makeTempDir("e2e-image")
            let out = try Spawn.run(["/bin/bash", "\(repoRoot)/scripts/build-demo-image.sh", "\(dir)/demo.tar"])
            guard out.status == 0 else { return .failure(SwkError(.internal, "build-demo-image.sh: \(out.stderr)")) }
            return .success("\(dir)/demo.tar")
        } catch let error as SwkError {
            return .failure(error)
        } catch {
            return .failure(SwkError(.internal, "build demo image", cause: error))
        }
    }()

    /// `importDemo: false` leaves the image store empty (for pods whose image comes from a registry).
    init(runtime: String? = nil, importDemo: Bool = true) throws {
        dir = try makeTempDir("e2e")
        self.runtime = runtime
        let tag = String(FS.basename(of: dir).suffix(6)).lowercased().filter { $0.isLetter || $0.isNumber }
        bridge = "swke\(tag)"
        let routes = (try? Spawn.run(["/usr/sbin/ip", "-4", "route", "show", "table", "all"]).stdout) ?? ""
        var third = Int.random(in: 1...250)
        while routes.contains("10.235.\(third).") { third = third % 250 + 1 }
        subnetPrefix = "10.235.\(third)."
        for d in [manifests, root, run, logs, cniConfDir] { try FS.makeDirectories(d) }
        try FS.writeAtomic("\(cniConfDir)/10-e2e.conflist", """
            {"cniVersion": "1.0.0", "name": "swke-\(tag)", "plugins": [
              {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": true, "hairpinMode": true,
               "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}], "ranges": [[{"subnet": "\(subnetPrefix)0/24"}]],
                        "dataDir": "\(dir)/cni/networks"}},
              {"type": "portmap", "capabilities": {"portMappings": true}}]}

            """)
        guard importDemo else { return }
        let image = try Self.demoImage.get()
        let imported = try kubectl(["import", image])
        guard imported.status == 0 else { throw SwkError(.internal, "import: \(imported.stderr)") }
    }

    /// Starts swkubelet; `extraArgs` are appended to its command line, `wrapper` runs it
    /// (e.g. `prlimit --nofile=…` to start the daemon with known limits).
    func start(extraArgs: [String] = [], wrapper: [String] = []) throws {
        var argv = wrapper + ["\(Self.binDir)/swkubelet", "--config", "\(dir)/none.yaml",
                    "--pod-manifest-path", manifests, "--root-dir", root, "--run-dir", run,
                    "--pod-log-dir", logs, "--cni-conf-dir", cniConfDir, "--sync-frequency", "2s", "--verbose"]
        if let runtime { argv += ["--runtime", runtime] }
        argv += extraArgs
        try FS.writeAtomic("\(dir)/none.yaml", "sync-frequency: 2s\n")
        let log = open("\(dir)/swkubelet.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(log) }
        daemon = try Spawn.start(argv, stdout: .fd(log), stderr: .fd(log))
    }

    var daemonLog: String { (try? FS.readString("\(dir)/swkubelet.log")) ?? "" }

    func kill9Daemon() {
        if daemon > 0 { kill(daemon, SIGKILL); _ = try? Spawn.wait(daemon); daemon = 0 }
    }

    /// Stops the daemon as an operator would (SIGTERM), leaving the containers running.
    func stopDaemon() {
        if daemon > 0 { kill(daemon, SIGTERM); _ = try? Spawn.wait(daemon); daemon = 0 }
    }

    var daemonAlive: Bool { daemon > 0 && kill(daemon, 0) == 0 && waitpid(daemon, nil, WNOHANG) == 0 }

    func kubectl(_ args: [String]) throws -> Spawn.Output {
        try Spawn.run(["\(Self.binDir)/swkubectl", "--root-dir", root, "--pod-manifest-path", manifests] + args)
    }

    func write(_ name: String, _ text: String) throws {
        try FS.writeAtomic("\(manifests)/\(name)", text)
    }

    func remove(_ name: String) {
        unlink("\(manifests)/\(name)")
    }

    /// One pod's row of `get pods`: [NAME, READY, STATUS, RESTARTS, …].
    func row(_ pod: String) throws -> [String]? {
        let out = try kubectl(["get", "pods"])
        return out.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            .first { $0.first == pod }
    }

    func status(_ pod: String) throws -> String? { try row(pod)?[2] }

    /// The container's CRI log lines (message part), for checks made from inside the container.
    func logLines(_ pod: String, container: String) -> [String] {
        guard let podDir = (try? FS.list(logs))?.first(where: { $0.hasPrefix("default_\(pod)_") }),
              let files = try? FS.list("\(logs)/\(podDir)/\(container)") else { return [] }
        return files.sorted().flatMap { file -> [String] in
            let text = (try? FS.readString("\(logs)/\(podDir)/\(container)/\(file)")) ?? ""
            return text.split(separator: "\n").map { line in
                // <timestamp> <stream> <P|F> <message>
                String(line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).last ?? "")
            }
        }
    }

    /// Stops every pod (by emptying the manifest directory), then the daemon, then checks the
    /// node left nothing behind.
    func shutdown() {
        for name in (try? FS.list(manifests)) ?? [] { remove(name) }
        _ = try? waitUntil(seconds: 60) { (try? kubectl(["get", "pods", "-o", "name"]).stdout.isEmpty) ?? true }
        if daemon > 0 {
            kill(daemon, SIGTERM)
            _ = try? Spawn.wait(daemon)
            daemon = 0
        }
        _ = try? Spawn.run(["/usr/sbin/ip", "link", "del", bridge])
        if !mounts(under: dir).isEmpty {
            for m in mounts(under: dir).reversed() { umount2(m, Int32(MNT_DETACH)) }
        }
        try? FS.removeTree(dir)
    }
}

/// Mount points below `prefix` (from /proc/self/mountinfo).
func mounts(under prefix: String) -> [String] {
    let text = (try? FS.readString("/proc/self/mountinfo")) ?? ""
    return text.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { return nil }
        let point = String(fields[4])
        return point.hasPrefix(prefix) ? point : nil
    }
}
