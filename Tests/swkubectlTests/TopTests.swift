import Glibc
@testable import KubeCtl
import StateStore
import SwkSupport
import Synchronization
import Testing

@Suite struct TopCommand {
    /// A fake cgroup tree: v1 memory and cpuacct for web (and its container), v2 for agent.
    private func cgroups(_ root: String) throws {
        let web = "/swkube/default-web-uid"
        try FS.makeDirectories("\(root)/memory\(web)/5d2a6f0c1b3e")
        try FS.makeDirectories("\(root)/cpuacct\(web)/5d2a6f0c1b3e")
        try FS.writeAtomic("\(root)/memory\(web)/memory.usage_in_bytes", "\(40 << 20)\n")
        try FS.writeAtomic("\(root)/memory\(web)/memory.stat", "cache 1\ntotal_inactive_file \(8 << 20)\n")
        try FS.writeAtomic("\(root)/cpuacct\(web)/cpuacct.usage", "1000000000\n")
        try FS.writeAtomic("\(root)/memory\(web)/5d2a6f0c1b3e/memory.usage_in_bytes", "\(30 << 20)\n")
        try FS.writeAtomic("\(root)/cpuacct\(web)/5d2a6f0c1b3e/cpuacct.usage", "500000000\n")
        let agent = "\(root)/unified/swkube/kube-system-agent-uid"
        try FS.makeDirectories(agent)
        try FS.writeAtomic("\(agent)/memory.current", "\(100 << 20)\n")
        try FS.writeAtomic("\(agent)/memory.stat", "anon 5\ninactive_file \(36 << 20)\n")
        try FS.writeAtomic("\(agent)/cpu.stat", "usage_usec 2000000\nuser_usec 1\n")
    }

    /// A context whose pause lets 200 ms pass and the pods burn CPU meanwhile.
    private func context(_ root: String) -> Context {
        let clock = Mutex(now)
        var ctx = fixedContext()
        ctx.cgroupRoot = root
        ctx.clock = { clock.withLock { $0 } }
        ctx.pause = { nanos in
            clock.withLock { $0 += nanos }
            let web = "\(root)/cpuacct/swkube/default-web-uid"
            try? FS.writeAtomic("\(web)/cpuacct.usage", "1050000000\n")  // 50 ms in 200 ms: 250m
            try? FS.writeAtomic("\(web)/5d2a6f0c1b3e/cpuacct.usage", "510000000\n")
            try? FS.writeAtomic("\(root)/unified/swkube/kube-system-agent-uid/cpu.stat", "usage_usec 2400000\n")
        }
        return ctx
    }

    @Test func podsFromV1AndV2Cgroups() throws {
        let node = try FixtureNode()
        let root = "\(node.root)/cgroup"
        try cgroups(root)
        let out = Swkubectl.execute(["top", "pods", "-A", "--root-dir", node.root], context(root))
        #expect(out == Output(stdout: """
            NAMESPACE     NAME    CPU(cores)   MEMORY(bytes)
            default       web     250m         32Mi
            kube-system   agent   2000m        64Mi

            """))
        try cgroups(root)
        let one = Swkubectl.execute(["top", "pod", "web", "--containers", "--root-dir", node.root], context(root))
        #expect(one == Output(stdout: """
            POD   NAME    CPU(cores)   MEMORY(bytes)
            web   nginx   50m          30Mi

            """))
    }

    /// The cgroups the daemon recorded are measured, not `/swkube/<uid>/<id>` re-derived: only
    /// the recorded paths exist here, so a CLI that derives them finds no metrics.
    @Test func recordedCgroupPathsAreRead() throws {
        let node = try FixtureNode()
        let store = try StateStore(path: node.paths.statePath)
        var web = try #require(try store.pod(namespace: "default", name: "web"))
        web.cgroupPath = "/kubepods/pod-web"
        web.containers[0].cgroupPath = "/kubepods/ctr-nginx"
        try store.upsertPod(web)
        let root = "\(node.root)/cgroup"
        for (cgroup, mebibytes) in [("/kubepods/pod-web", 40), ("/kubepods/ctr-nginx", 24)] {
            try FS.makeDirectories("\(root)/memory\(cgroup)")
            try FS.writeAtomic("\(root)/memory\(cgroup)/memory.usage_in_bytes", "\(mebibytes << 20)\n")
            try FS.makeDirectories("\(root)/cpuacct\(cgroup)")
            try FS.writeAtomic("\(root)/cpuacct\(cgroup)/cpuacct.usage", "1000\n")
        }
        #expect(Swkubectl.execute(["top", "pod", "web", "--root-dir", node.root], context(root)) == Output(stdout: """
            NAME   CPU(cores)   MEMORY(bytes)
            web    0m           40Mi

            """))
        #expect(Swkubectl.execute(["top", "pod", "web", "--containers", "--root-dir", node.root], context(root)) == Output(stdout: """
            POD   NAME    CPU(cores)   MEMORY(bytes)
            web   nginx   0m           24Mi

            """))
    }

    @Test func noCgroupNoMetrics() throws {
        let node = try FixtureNode()
        let root = "\(node.root)/cgroup"
        #expect(Swkubectl.execute(["top", "pods", "crash", "--root-dir", node.root], context(root)) ==
                Output(stderr: "error: metrics not available for pod default/crash: it is not running\n", exitCode: 1))
        #expect(Swkubectl.execute(["top", "pods", "nope", "--root-dir", node.root], context(root)) ==
                Output(stderr: "Error from server (NotFound): pods \"nope\" not found (did you mean \"done\"?)\n", exitCode: 1))
    }
}
