import Glibc
import SwkSupport
import Testing
import TestSupport

/// A running container whose record is damaged while the daemon is down: after the restart it is
/// reported (logged, an event, state unknown), its old process killed and the container replaced
/// by exactly one new instance — nothing left running twice, nothing forgotten.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct UnreadableRecordEndToEndTests {
    static func pod(sleep seconds: Int) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: damaged
        spec:
          terminationGracePeriodSeconds: 1
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sleep", "\(seconds)"]

        """
    }

    /// Starts the node and the pod; returns its command line and its process. The distinctive
    /// duration lets the host's process table tell the instances apart.
    static func runDamagedPod(_ node: NodeHarness, sleep seconds: Int) throws -> (String, pid_t) {
        try node.start()
        let command = "sleep \(seconds)"
        try node.write("damaged.yaml", pod(sleep: seconds))
        #expect(try waitUntil(seconds: 30) {
            let running = try node.status("damaged") == "Running"
            return running && processes(running: command).count == 1
        }, "\(node.daemonLog)")
        return (command, try #require(processes(running: command).first))
    }

    /// Exactly one new instance runs, and the old one is gone (killed, not left beside it).
    static func expectReplaced(_ old: pid_t, running command: String, _ node: NodeHarness) throws {
        #expect(try waitUntil(seconds: 30) {
            let now = processes(running: command)
            return now.count == 1 && now != [old]
        }, "\(node.daemonLog)")
        #expect(!processes(running: command).contains(old), "the old instance must be killed, not left beside the new one")
    }

    @Test func aContainerWhoseRecordIsUnreadableAfterARestartIsKilledAndReplacedOnce() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        let (command, old) = try Self.runDamagedPod(node, sleep: 7_772_001)
        let ids = try FS.list("\(node.run)/containers")
        try #require(ids.count == 1)
        let id = ids[0]

        node.stopDaemon()
        let record = "\(node.run)/containers/\(id)/container.json"
        try FS.writeAtomic(record, "\u{0}\u{0} not a record")
        #expect(processes(running: command) == [old], "the container outlives the daemon")
        try node.start()

        try Self.expectReplaced(old, running: command, node)
        #expect(processes(running: command).count == 1)
        // Nothing forgotten: the damaged container's directory is cleaned up, one container remains.
        #expect(try waitUntil(seconds: 10) { (try FS.list("\(node.run)/containers")).count == 1 })
        #expect(!FS.exists("\(node.run)/containers/\(id)"))
        #expect(try waitUntil(seconds: 10) { try node.status("damaged") == "Running" })
        // Reported: the daemon's log names the file and the event says why it was killed.
        #expect(node.daemonLog.contains("container \(id): unreadable record: decode \(record)"), "\(node.daemonLog)")
        let events = try node.kubectl(["get", "events"]).stdout
        #expect(events.contains("container \(id) is in unknown state (unreadable record"), "\(events)")
    }

    @Test func aSandboxWhoseRecordIsUnreadableAfterARestartIsReplacedWithItsContainer() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        let (command, old) = try Self.runDamagedPod(node, sleep: 7_772_002)
        let sandboxes = try FS.list("\(node.run)/sandboxes")
        try #require(sandboxes.count == 1)
        let sandbox = sandboxes[0]

        node.stopDaemon()
        let record = "\(node.run)/sandboxes/\(sandbox)/sandbox.json"
        try FS.writeAtomic(record, "")
        try node.start()

        // NOTREADY, so the pod is killed and re-created: one new sandbox, one new instance.
        try Self.expectReplaced(old, running: command, node)
        #expect(try waitUntil(seconds: 10) { (try FS.list("\(node.run)/sandboxes")).count == 1 })
        #expect(!FS.exists("\(node.run)/sandboxes/\(sandbox)"))
        #expect(mounts(under: "\(node.run)/sandboxes/\(sandbox)").isEmpty, "its namespaces and /dev/shm are released")
        #expect(try waitUntil(seconds: 10) { try node.status("damaged") == "Running" })
        #expect(node.daemonLog.contains("sandbox \(sandbox): unreadable record: decode \(record)"), "\(node.daemonLog)")
        #expect(try node.kubectl(["get", "events"]).stdout.contains("SandboxChanged"))
    }
}
