import Glibc
import SwkSupport
import Testing
import TestSupport

/// Editing an init container while it runs replaces it: the old instance is killed first, so the
/// pod never runs two of them (kubelet's order).
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct InitContainerEditEndToEndTests {
    static func pod(initSeconds: Int) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: slow-init
        spec:
          terminationGracePeriodSeconds: 1
          initContainers:
            - name: setup
              image: localhost/swkube-demo:1.0
              command: ["sleep", "\(initSeconds)"]
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sleep", "1000"]

        """
    }

    @Test func anEditedRunningInitContainerIsReplacedNotDoubled() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        // Distinctive durations, so the host's process table tells the two instances apart.
        try node.write("slow-init.yaml", Self.pod(initSeconds: 7_771_001))
        #expect(try waitUntil(seconds: 30) { processes(running: "sleep 7771001").count == 1 }, "\(node.daemonLog)")
        #expect(try node.status("slow-init") == "Init:0/1")

        try node.write("slow-init.yaml", Self.pod(initSeconds: 7_771_002))
        #expect(try waitUntil(seconds: 30) { processes(running: "sleep 7771002").count == 1 }, "\(node.daemonLog)")
        #expect(try waitUntil(seconds: 10) { processes(running: "sleep 7771001").isEmpty },
                "the edited init container's old instance must not keep running beside the new one")
        #expect(processes(running: "sleep 7771002").count == 1)
        #expect(try node.status("slow-init") == "Init:0/1")
    }
}

/// Host pids whose command line is exactly `command` (arguments joined by spaces).
func processes(running command: String) -> [pid_t] {
    ((try? FS.list("/proc")) ?? []).compactMap { name -> pid_t? in
        guard let pid = pid_t(name), let raw = try? FS.readBytes("/proc/\(name)/cmdline") else { return nil }
        let args = raw.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        return args.joined(separator: " ") == command ? pid : nil
    }
}
