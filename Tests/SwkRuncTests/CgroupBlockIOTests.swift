import Glibc
import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// `linux.resources.blockIO` throttles: the files written on v1 and v2 (a stand-in cgroup
/// directory), and a real container on this host's blkio hierarchy.
struct CgroupBlockIOTests {
    static let throttles = LinuxBlockIO(
        throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 102_400)],
        throttleWriteBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 204_800)],
        throttleReadIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 300)],
        throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 0)])

    @Test func v2WritesOneIOMaxLinePerDevice() throws {
        let dir = try fakeCgroup("blkio", ["io.max", "io.weight"])
        defer { try? FS.removeTree(dir) }
        let host = Cgroups.Host(v1: [:], unified: dir, unifiedControllers: ["io"])
        var io = Self.throttles
        io.weightDevice = [LinuxWeightDevice(major: 8, minor: 0, weight: 1000)]
        try Cgroups.applyBlockIO(Cgroups.Container(host: host, path: "/c"), io)
        #expect(try FS.readString("\(dir)/c/io.max") == "8:0 rbps=102400 wbps=204800 riops=300 wiops=max")
        #expect(try FS.readString("\(dir)/c/io.weight") == "8:0 10000")
    }

    @Test func v1WritesEachThrottleFile() throws {
        let files = ["read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device"]
        let dir = try fakeCgroup("blkio", files.map { "blkio.throttle.\($0)" })
        defer { try? FS.removeTree(dir) }
        let host = Cgroups.Host(v1: ["blkio": dir])
        try Cgroups.applyBlockIO(Cgroups.Container(host: host, path: "/c"), Self.throttles)
        let written = try files.map { try FS.readString("\(dir)/c/blkio.throttle.\($0)") }
        #expect(written == ["8:0 102400", "8:0 204800", "8:0 300", "8:0 0"])
    }

    /// The kernel checks the device: a real disk of this machine, read back from the kernel.
    /// A real disk of this machine (not a loop or RAM device) as `major:minor`.
    static let disk: String? = ((try? FS.list("/sys/block")) ?? []).sorted()
        .first { !$0.hasPrefix("loop") && !$0.hasPrefix("ram") }
        .flatMap { try? Cgroups.trim(FS.readString("/sys/block/\($0)/dev")) }

    @Test(.enabled(if: Fixture.isRoot, "needs root for cgroups"),
          .enabled(if: Cgroups.Host.detect().v1["blkio"] != nil, "no v1 blkio hierarchy on this host"),
          .enabled(if: disk != nil, "no block device in /sys/block"))
    func containerGetsItsThrottlesFromTheKernel() throws {
        let blkio = try #require(Cgroups.Host.detect().v1["blkio"])
        let dev = try #require(Self.disk)
        let parts = dev.split(separator: ":").compactMap { Int64($0) }
        try #require(parts.count == 2)
        let f = try Fixture("blkio")
        defer { f.cleanup() }
        f.spec.linux?.resources?.blockIO = LinuxBlockIO(
            throttleReadBpsDevice: [LinuxThrottleDevice(major: parts[0], minor: parts[1], rate: 1_048_576)],
            throttleWriteIOPSDevice: [LinuxThrottleDevice(major: parts[0], minor: parts[1], rate: 500)])
        f.script("true")
        try f.writeConfig()
        let created = try f.runtime(["create", "--bundle", f.bundle, f.id])
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let cg = blkio + f.cgroupPath
        #expect(try FS.readString("\(cg)/blkio.throttle.read_bps_device") == "\(dev) 1048576\n")
        #expect(try FS.readString("\(cg)/blkio.throttle.write_iops_device") == "\(dev) 500\n")
    }
}
