import Glibc
@testable import KubeCtl
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

    @Test func noCgroupNoMetrics() throws {
        let node = try FixtureNode()
        let root = "\(node.root)/cgroup"
        #expect(Swkubectl.execute(["top", "pods", "crash", "--root-dir", node.root], context(root)) ==
                Output(stderr: "error: metrics not available for pod default/crash: it is not running\n", exitCode: 1))
        #expect(Swkubectl.execute(["top", "pods", "nope", "--root-dir", node.root], context(root)) ==
                Output(stderr: "Error from server (NotFound): pods \"nope\" not found (did you mean \"done\"?)\n", exitCode: 1))
    }
}
