import Glibc
import SwkSupport
import Testing
import TestSupport

/// Pods whose image is only in a registry: Debian's docker-registry on 127.0.0.1 (temp storage,
/// a free port), the demo image pushed with skopeo, and a registries.yaml marking it plain HTTP.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot && FS.exists("/usr/bin/docker-registry") && FS.exists("/usr/bin/skopeo"),
                             "needs root, docker-registry and skopeo"))
struct PullEndToEndTests {
    @Test func podsPullFromTheRegistryAndAWrongTagBacksOff() throws {
        let registry = try TestRegistry()
        defer { registry.stop() }
        let demo = try NodeHarness.demoImage.get()
        for tag in ["1.0", "2.0"] {
            let pushed = try Spawn.run(["/usr/bin/skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                                        "oci-archive:\(demo)", "docker://\(registry.host)/swkube/demo:\(tag)"])
            try #require(pushed.status == 0, "skopeo: \(pushed.stderr)")
        }
        let node = try NodeHarness(importDemo: false)
        defer { node.shutdown() }
        let registries = "\(node.dir)/registries.yaml"
        try FS.writeAtomic(registries, "configs:\n  \"\(registry.host)\":\n    insecure: true\n")
        try node.start(extraArgs: ["--registry-config", registries])

        let image = "\(registry.host)/swkube/demo"
        try node.write("pulled.yaml", Self.podYAML("pulled", image: "\(image):1.0"))
        #expect(try waitUntil(seconds: 60) { try node.status("pulled") == "Running" }, "\(node.daemonLog)")
        let listed = try node.kubectl(["images"]).stdout
        #expect(listed.split(separator: "\n").contains { $0.hasPrefix(image + " ") && $0.contains(" 1.0 ") }, "\(listed)")

        try node.write("wrongtag.yaml", Self.podYAML("wrongtag", image: "\(image):nope"))
        #expect(try waitUntil(seconds: 30) { try node.status("wrongtag") == "ErrImagePull" }, "\(node.daemonLog)")
        #expect(try waitUntil(seconds: 30) { try node.status("wrongtag") == "ImagePullBackOff" }, "\(node.daemonLog)")
        let described = try node.kubectl(["describe", "pod", "wrongtag"]).stdout
        #expect(described.contains("manifest unknown"), "\(described)")

        let again = try node.kubectl(["pull", "--registry-config", registries, "\(image):1.0"])
        #expect(again.status == 0 && again.stdout == "Image is up to date for \(image):1.0\n", "\(again.stdout)\(again.stderr)")
        let second = try node.kubectl(["pull", "--registry-config", registries, "\(image):2.0"])
        #expect(second.status == 0 && second.stdout.hasPrefix("pulled \(image):2.0 (sha256:"), "\(second.stdout)\(second.stderr)")
        let missing = try node.kubectl(["pull", "--registry-config", registries, "\(image):nope"])
        #expect(missing.status == 1 && missing.stderr.contains("manifest unknown"), "\(missing.stderr)")
    }

    static func podYAML(_ name: String, image: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          terminationGracePeriodSeconds: 2
          containers:
            - name: main
              image: \(image)
              imagePullPolicy: IfNotPresent
              command: ["sleep", "1000"]

        """
    }
}

/// docker-registry serving plain HTTP on 127.0.0.1 with its storage in a temp directory.
final class TestRegistry {
    let dir: String
    let host: String
    private let pid: pid_t

    init() throws {
        dir = try makeTempDir("e2e-registry")
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            try FS.writeAtomic("\(dir)/config.yml", """
                version: 0.1
                log: {level: warn}
                storage: {filesystem: {rootdirectory: \(dir)/data}}
                http: {addr: 127.0.0.1:\(port)}

                """)
            let log = open("\(dir)/registry.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            defer { close(log) }
            let pid = try Spawn.start(["/usr/bin/docker-registry", "serve", "\(dir)/config.yml"], stdout: .fd(log), stderr: .fd(log))
            let up = try waitUntil(seconds: 10) {
                if waitpid(pid, nil, WNOHANG) == pid { return true }  // exited: port taken
                return try Spawn.run(["/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:\(port)/v2/"]).status == 0
            }
            if up && kill(pid, 0) == 0 && waitpid(pid, nil, WNOHANG) == 0 {
                self.pid = pid
                host = "127.0.0.1:\(port)"
                return
            }
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
        }
        let log = (try? FS.readString("\(dir)/registry.log")) ?? ""
        try? FS.removeTree(dir)
        throw SwkError(.unavailable, "docker-registry did not start: \(log)")
    }

    func stop() {
        kill(pid, SIGTERM)
        _ = waitpid(pid, nil, 0)
        try? FS.removeTree(dir)
    }
}
