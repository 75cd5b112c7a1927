import Glibc
import SwkSupport
import Testing
import TestSupport

/// Issue 11's first attack on a real node: a pod rewrites its `/bin/true` to `#!/proc/self/exe`
/// and races for the runtime binary (Tests/Fixtures/exe-rewrite-attack.sh) when its own exec
/// readiness probe, or `swkubectl exec`, runs /bin/true. The node runs a copy of the runtime
/// (`--runtime`), which must come out byte for byte unchanged: swkube-runc, and Debian's runc
/// for comparison (on this kernel runc's image cannot even be re-executed from the container).
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct ExeSealEndToEndTests {
    struct Runtime: Sendable, CustomTestStringConvertible {
        var binary: String
        /// What the container sees as the runtime's image (/proc/PID/exe), when it is ours.
        var image: String?
        var testDescription: String { FS.basename(of: binary) }
    }

    enum Trigger: String, Sendable, CaseIterable { case readinessProbe, kubectlExec }

    static let runtimes: [Runtime] = {
        var list = [Runtime(binary: "\(NodeHarness.binDir)/swkube-runc", image: "/swkube-runc")]
        if FS.exists("/usr/sbin/runc") { list.append(Runtime(binary: "/usr/sbin/runc")) }
        return list
    }()

    static func podYAML(probe: Bool) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: attack
        spec:
          terminationGracePeriodSeconds: 2
          volumes:
            - name: fixtures
              hostPath:
                path: \(NodeHarness.repoRoot)/Tests/Fixtures
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sh", "/fixtures/exe-rewrite-attack.sh"]
              volumeMounts:
                - name: fixtures
                  mountPath: /fixtures
                  readOnly: true

        """ + (probe ? """
                  readinessProbe:
                    exec:
                      command: ["/bin/true"]
                    periodSeconds: 1
                    timeoutSeconds: 10

            """ : "")
    }

    @Test(arguments: runtimes, Trigger.allCases)
    func aPodCannotRewriteTheRuntimeThroughProcSelfExe(_ rt: Runtime, _ trigger: Trigger) throws {
        let binDir = try makeTempDir("e2e-seal")
        defer { try? FS.removeTree(binDir) }
        let runtime = "\(binDir)/\(FS.basename(of: rt.binary))"
        let original = try FS.readBytes(rt.binary)
        try FS.writeAtomic(runtime, original, mode: 0o755)
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        try node.start()
        try node.write("attack.yaml", Self.podYAML(probe: trigger == .readinessProbe))
        func reported(_ prefix: String) -> Bool { node.logLines("attack", container: "main").contains { $0.hasPrefix(prefix) } }
        try #require(try waitUntil(seconds: 30) { reported("armed") }, "\(node.daemonLog)")

        // Done when the attack is (it waits for the runtime's image and lets it go on), or when
        // the trigger ran and the attack never got hold of an image.
        var kubectl: pid_t = 0
        if trigger == .kubectlExec {
            kubectl = try Spawn.start(["\(NodeHarness.binDir)/swkubectl", "--root-dir", node.root, "--pod-manifest-path", node.manifests,
                                       "exec", "attack", "--", "/bin/true"], stdout: .null, stderr: .null)
        }
        var triggerRan = false
        let settled = try waitUntil(seconds: 60) {
            if !triggerRan {
                triggerRan = trigger == .kubectlExec
                    ? waitpid(kubectl, nil, WNOHANG) == kubectl
                    : try node.kubectl(["get", "events"]).stdout.contains("Readiness probe failed")
                if triggerRan && trigger == .kubectlExec { kubectl = 0 }
            }
            return reported("done") || (triggerRan && !reported("held "))
        }
        if kubectl > 0 {
            if !settled { kill(kubectl, SIGKILL) }
            _ = try Spawn.wait(kubectl)
        }

        let lines = node.logLines("attack", container: "main")
        let held = lines.first { $0.hasPrefix("held ") }
        if let image = rt.image {
            #expect(held?.hasSuffix(" \(image)") == true, "the attack never held our runtime's image: \(lines)")
        }
        if held != nil { #expect(reported("refused: "), "\(lines)") }
        #expect(try FS.readBytes(runtime) == original, "the runtime binary was rewritten from a pod: \(lines)")
    }
}
