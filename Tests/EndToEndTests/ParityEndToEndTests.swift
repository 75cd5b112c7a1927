import Glibc
import SwkSupport
import Testing
import TestSupport

/// The kubelet + containerd behaviours swkube lacked (issue 11, item 7), seen from inside the
/// containers, with swkube-runc and with Debian's runc as the node's OCI runtime.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"))
struct ParityEndToEndTests {
    static let debianRunc = ["/usr/sbin/runc", "/usr/bin/runc"].first { FS.exists($0) }

    /// swkube-runc (nil: swkubelet's default), and Debian's runc where it is installed.
    static let runtimes: [String?] = {
        if debianRunc == nil { print("ParityEndToEndTests: Debian's runc is not installed; only swkube-runc is tried") }
        return [nil] + (debianRunc.map { [$0] } ?? [])
    }()

    static func container(_ name: String, _ script: String, readOnlyRoot: Bool = false) -> String {
        """
            - name: \(name)
              image: localhost/swkube-demo:1.0
              command: ["sh", "-c", \(jsonQuote(script))]
        \(readOnlyRoot ? "      securityContext:\n        readOnlyRootFilesystem: true\n" : "")
        """
    }

    static func pod(_ name: String, spec: String = "", _ containers: String...) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          terminationGracePeriodSeconds: 1
        \(spec.split(separator: "\n").map { "  \($0)\n" }.joined())  containers:
        \(containers.joined())
        """
    }

    /// Starts `pod` and returns its container's log lines once it printed `ready`.
    static func output(_ node: NodeHarness, _ pod: String, container: String = "main") throws -> [String] {
        #expect(try waitUntil(seconds: 30) { node.logLines(pod, container: container).contains("ready") },
                "\(pod)/\(container): \((try? node.kubectl(["get", "pods"]).stdout) ?? "")\n\(node.daemonLog)")
        return node.logLines(pod, container: container)
    }

    static func runtimeName(_ runtime: String?) -> String { runtime ?? "swkube-runc" }

    @Test(arguments: runtimes)
    func theContainerInheritsTheDaemonsOpenFileLimits(_ runtime: String?) throws {
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        // Lower than this host's 20000 (raising needs CAP_SYS_RESOURCE), and unlike the old 1024 cap.
        try node.start(wrapper: ["/usr/bin/prlimit", "--nofile=4096:8192", "--"])
        try node.write("limits.yaml", Self.pod("limits", Self.container("main",
            "awk '/^Max open files/ {print \"nofile=\" $4 \":\" $5}' /proc/self/limits; echo ready; exec sleep 1000")))
        let lines = try Self.output(node, "limits")
        // The daemon's hard and soft limits. A Go runc (Go >= 1.19 raises its own soft limit to the
        // hard one at start) hands the raised soft limit on, as containerd's Go processes do.
        let expected = runtime == nil ? ["nofile=4096:8192"] : ["nofile=4096:8192", "nofile=8192:8192"]
        #expect(lines.contains { expected.contains($0) }, "\(Self.runtimeName(runtime)): \(lines)")
    }

    @Test(.enabled(if: isUnifiedCgroupHost(),
                   "the host is not on the unified cgroup hierarchy (cgroup v1 or hybrid): containers keep the host's cgroup namespace"),
          arguments: runtimes)
    func onCgroupV2EachContainerHasItsOwnCgroupNamespace(_ runtime: String?) throws {
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        try node.start()
        try node.write("cg.yaml", Self.pod("cg", Self.container("main", "sed 's/^/cgroup=/' /proc/self/cgroup; echo ready; exec sleep 1000")))
        let lines = try Self.output(node, "cg")
        #expect(lines.filter { $0.hasPrefix("cgroup=") } == ["cgroup=0::/"], "\(Self.runtimeName(runtime)): \(lines)")
    }

    /// Tries to append to each of the sandbox's /etc files and says what happened.
    static let etcWriteScript = """
        for f in hosts hostname resolv.conf; do \
        if err=$( (echo "# x" >>/etc/$f) 2>&1 ); then echo "$f=writable"; else echo "$f=refused: $err"; fi; done; \
        echo ready; exec sleep 1000
        """

    @Test(arguments: runtimes)
    func etcFilesAreReadOnlyUnderAReadOnlyRootAndWritableOtherwise(_ runtime: String?) throws {
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        try node.start()
        try node.write("ro.yaml", Self.pod("ro", Self.container("main", Self.etcWriteScript, readOnlyRoot: true)))
        try node.write("rw.yaml", Self.pod("rw", Self.container("main", Self.etcWriteScript)))
        let ro = try Self.output(node, "ro"), rw = try Self.output(node, "rw")
        for f in ["hosts", "hostname", "resolv.conf"] {
            #expect(ro.contains { $0.hasPrefix("\(f)=refused") && $0.contains("Read-only file system") }, "\(Self.runtimeName(runtime)): \(ro)")
            #expect(rw.contains("\(f)=writable"), "\(Self.runtimeName(runtime)): \(rw)")
        }
    }

    @Test(arguments: runtimes)
    func devShmIsSharedWithinAPodOnlyAndIsTheHostsUnderHostIPC(_ runtime: String?) throws {
        let hostFile = "swkube-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FS.writeAtomic("/dev/shm/\(hostFile)", "host\n")
        defer { unlink("/dev/shm/\(hostFile)") }
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        try node.start()
        let list = "ls /dev/shm | sed 's/^/shm=/'; echo ready; exec sleep 1000"
        try node.write("shm.yaml", Self.pod("shm",
            Self.container("writer", "echo from-writer >/dev/shm/writer-mark; exec sleep 1000"),
            // Bounded wait for the sibling's file (the containers start in any order).
            Self.container("main", "for i in $(seq 300); do [ -e /dev/shm/writer-mark ] && break; sleep 0.1; done; \(list)")))
        let sibling = try Self.output(node, "shm")
        #expect(sibling.contains("shm=writer-mark"), "\(Self.runtimeName(runtime)): \(sibling)")

        try node.write("other.yaml", Self.pod("other", Self.container("main", list)))
        let other = try Self.output(node, "other")
        #expect(!other.contains("shm=writer-mark"), "another pod does not see it: \(other)")

        try node.write("hostipc.yaml", Self.pod("hostipc", spec: "hostIPC: true", Self.container("main", list)))
        let host = try Self.output(node, "hostipc")
        #expect(host.contains("shm=\(hostFile)"), "\(Self.runtimeName(runtime)): \(host)")
        #expect(!host.contains("shm=writer-mark"))
    }

    @Test(arguments: runtimes)
    func safeSysctlsAreSetAndAnUnsafeOneRefusesOnlyItsPod(_ runtime: String?) throws {
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        try node.start()
        try node.write("tuned.yaml", Self.pod("tuned", spec: """
            securityContext:
              sysctls:
                - name: net.ipv4.ip_local_port_range
                  value: "1024 65000"
            """, Self.container("main", "tr '\\t' ' ' </proc/sys/net/ipv4/ip_local_port_range | sed 's/^/range=/'; echo ready; exec sleep 1000")))
        try node.write("refused.yaml", Self.pod("refused", spec: """
            securityContext:
              sysctls:
                - name: kernel.msgmax
                  value: "65536"
            """, Self.container("main", "echo started; exec sleep 1000")))
        let lines = try Self.output(node, "tuned")
        #expect(lines.contains("range=1024 65000"), "\(Self.runtimeName(runtime)): \(lines)")
        #expect(try waitUntil(seconds: 30) { try node.status("refused") == "SysctlForbidden" }, "\(node.daemonLog)")
        let json = try node.kubectl(["get", "pod", "refused", "-o", "json"]).stdout
        #expect(json.contains("\"phase\" : \"Failed\"") || json.contains("\"phase\": \"Failed\""), "\(json)")
        #expect(json.contains(#"forbidden sysctl: \"kernel.msgmax\" not allowlisted"#), "\(json)")
        #expect(node.logLines("refused", container: "main").isEmpty, "the refused pod never ran")
        let events = try node.kubectl(["get", "events"]).stdout
        #expect(events.contains("SysctlForbidden"), "\(events)")
        #expect(try node.status("tuned") == "Running")
    }

    @Test(arguments: runtimes)
    func anUnsafeSysctlIsSetWhenTheNodeAllowsIt(_ runtime: String?) throws {
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        try node.start(extraArgs: ["--allowed-unsafe-sysctls", "kernel.msg*"])
        try node.write("msg.yaml", Self.pod("msg", spec: """
            securityContext:
              sysctls:
                - name: kernel.msgmax
                  value: "12345"
            """, Self.container("main", "sed 's/^/msgmax=/' /proc/sys/kernel/msgmax; echo ready; exec sleep 1000")))
        let lines = try Self.output(node, "msg")
        #expect(lines.contains("msgmax=12345"), "\(Self.runtimeName(runtime)): \(lines)")
    }
}

/// /sys/fs/cgroup is the cgroup2 root (the unified hierarchy alone), not v1 or hybrid's tmpfs.
func isUnifiedCgroupHost() -> Bool {
    FS.exists("/sys/fs/cgroup/cgroup.controllers")
}
