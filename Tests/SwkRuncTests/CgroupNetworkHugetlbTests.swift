import Glibc
import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// `linux.resources.network` and `hugepageLimits` on a stand-in cgroup directory: the files
/// written, and a refusal (not a silent drop) when the host lacks the controller.
struct CgroupNetworkHugetlbTests {
    private static let network = LinuxNetwork(classID: 255, priorities: [LinuxInterfacePriority(name: "lo", priority: 10)])

    @Test func v1NetClsAndNetPrioAreWritten() throws {
        let dir = try fakeCgroup("netcls", ["net_cls.classid", "net_prio.ifpriomap"])
        defer { try? FS.removeTree(dir) }
        let host = Cgroups.Host(v1: ["net_cls": dir, "net_prio": dir])
        var r = LinuxResources()
        r.network = Self.network
        try Cgroups.apply(Cgroups.Container(host: host, path: "/c"), r)
        #expect(try FS.readString("\(dir)/c/net_cls.classid") == "255")
        #expect(try FS.readString("\(dir)/c/net_prio.ifpriomap") == "lo 10")
    }

    @Test func networkWithoutItsHierarchyIsRefused() throws {
        let dir = try fakeCgroup("netcls", [])
        defer { try? FS.removeTree(dir) }
        // cgroup2 has no net_cls: only v1 would do.
        let host = Cgroups.Host(v1: [:], unified: dir, unifiedControllers: ["memory", "pids"])
        var r = LinuxResources()
        r.network = Self.network
        #expect(throws: SwkError.self) { try Cgroups.apply(Cgroups.Container(host: host, path: "/c"), r) }
        r.network = LinuxNetwork(priorities: Self.network.priorities)
        let error = #expect(throws: SwkError.self) { try Cgroups.apply(Cgroups.Container(host: host, path: "/c"), r) }
        #expect(error?.message.contains("linux.resources.network.priorities[0]: no net_prio") == true, "\(String(describing: error))")
    }

    @Test func hugetlbIsWrittenOnV2AndRefusedWithoutTheController() throws {
        let dir = try fakeCgroup("netcls", ["hugetlb.2MB.max"])
        defer { try? FS.removeTree(dir) }
        var r = LinuxResources()
        r.hugepageLimits = [LinuxHugepageLimit(pageSize: "2MB", limit: 1 << 30)]
        let withIt = Cgroups.Host(v1: [:], unified: dir, unifiedControllers: ["hugetlb"])
        try Cgroups.apply(Cgroups.Container(host: withIt, path: "/c"), r)
        #expect(try FS.readString("\(dir)/c/hugetlb.2MB.max") == "1073741824")
        let without = Cgroups.Host(v1: [:], unified: dir, unifiedControllers: ["memory"])
        let error = #expect(throws: SwkError.self) { try Cgroups.apply(Cgroups.Container(host: without, path: "/c"), r) }
        #expect(error?.message.contains("linux.resources.hugepageLimits[0]: no hugetlb cgroup controller") == true)
    }
}
