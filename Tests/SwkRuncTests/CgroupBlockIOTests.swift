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
    @Test(.enabled(if: Fixture.isRoot, "needs root for cgroups"))
    func containerGetsItsThrottlesFromTheKernel() throws {
        guard let blkio = Cgroups.Host.detect().v1["blkio"] else {
            print("skipped: no v1 blkio hierarchy on this host")
            return
        }
        let disks = (try? FS.list("/sys/block")) ?? []
        guard let disk = disks.sorted().first(where: { !$0.hasPrefix("loop") && !$0.hasPrefix("ram") }),
              let dev = try? Cgroups.trim(FS.readString("/sys/block/\(disk)/dev")) else {
            print("skipped: no block device in /sys/block")
            return
        }
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
