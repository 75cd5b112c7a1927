import Glibc
import SwkSupport
import Testing
import TestSupport

/// A default pod (no securityContext) on a node with its default settings gets RuntimeDefault:
/// a static probe, mounted in from the host, finds io_uring, vsock sockets, odd personalities and
/// syscalls newer than the profile refused, and everyday calls working — with swkube-runc and
/// with Debian's runc as the node's runtime.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot, "needs root: real namespaces, mounts and cgroups"),
       .enabled(if: FS.exists("/usr/bin/cc") && FS.exists("/usr/lib/x86_64-linux-gnu/libc.a"), "needs cc and a static libc (gcc, libc6-dev)"))
struct SeccompDefaultPodEndToEndTests {
    static let runtimes = ["\(NodeHarness.binDir)/swkube-runc"] + (FS.exists("/usr/sbin/runc") ? ["/usr/sbin/runc"] : [])

    @Test(arguments: runtimes)
    func aDefaultPodRunsUnderTheAllowList(runtime: String) throws {
        let node = try NodeHarness(runtime: runtime)
        defer { node.shutdown() }
        let probeDir = "\(node.dir)/probe"
        try FS.makeDirectories(probeDir)
        let built = try Spawn.run(["/usr/bin/cc", "-static", "-O1", "-o", "\(probeDir)/seccomp-probe",
                                   "\(NodeHarness.repoRoot)/Tests/Fixtures/seccomp_probe.c"])
        try #require(built.status == 0, "\(built.stderr)")
        try node.start()
        try node.write("probe.yaml", """
            apiVersion: v1
            kind: Pod
            metadata:
              name: probe
            spec:
              restartPolicy: Never
              containers:
                - name: main
                  image: localhost/swkube-demo:1.0
                  command: ["/probe/seccomp-probe"]
                  volumeMounts: [{name: probe, mountPath: /probe, readOnly: true}]
              volumes:
                - name: probe
                  hostPath: {path: \(probeDir), type: Directory}

            """)
        #expect(try waitUntil(seconds: 30) { try node.status("probe") == "Completed" }, "\(node.daemonLog)")
        var results: [String: String] = [:]
        for line in node.logLines("probe", container: "main") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { results[String(parts[0])] = String(parts[1]) }
        }
        let eperm = String(EPERM), enosys = String(ENOSYS)
        #expect(results["io_uring_setup"] == eperm, "\(results)")
        #expect(results["socket_vsock"] == eperm)
        #expect(results["personality_read_implies_exec"] == eperm)
        #expect(results["unshare_newuser"] == eperm)
        #expect(results["mseal"] == enosys, "a syscall newer than the profile answers ENOSYS, so libc falls back")
        for allowed in ["personality_query", "socket_unix", "openat", "statx", "epoll_create1", "getpid", "fork"] {
            #expect(results[allowed] == "0", "\(allowed): \(results)")
        }
    }
}
