import CSwkSys
import Glibc
import OCI
import SwkSupport

/// `linux.resources` written to the controller files of v1 or v2, per controller.
extension Cgroups {
    static func apply(_ c: Container, _ r: LinuxResources) throws(SwkError) {
        if let rules = r.devices, !rules.isEmpty { try applyDevices(c, rules) }
        if let m = r.memory { try applyMemory(c, m) }
        if let cpu = r.cpu { try applyCPU(c, cpu) }
        if let p = r.pids, let (dir, _) = c.directory(for: "pids") {
            try write("\(dir)/pids.max", p.limit > 0 ? String(p.limit) : "max")
        }
        if let io = r.blockIO { try applyBlockIO(c, io) }
        for (i, limit) in (r.hugepageLimits ?? []).enumerated() {
            // Refused, not dropped, without the controller (as runc and crun do).
            guard let (dir, v2) = c.directory(for: "hugetlb") else {
                throw SwkError(.failedPrecondition, "linux.resources.hugepageLimits[\(i)]: no hugetlb cgroup controller on this host")
            }
            try write("\(dir)/hugetlb.\(limit.pageSize).\(v2 ? "max" : "limit_in_bytes")", String(limit.limit))
        }
        if let n = r.network { try applyNetwork(c, n) }
        for (key, value) in (r.unified ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let unified = c.host.unified, !key.contains("/") else {
                throw SwkError(.invalidArgument, "linux.resources.unified.\(key): no cgroup2 file to write")
            }
            try write("\(unified)\(c.path)/\(key)", value)
        }
    }

    /// net_cls and net_prio exist only as v1 controllers: without their hierarchy the settings
    /// are refused (as runc and crun do), not dropped.
    private static func applyNetwork(_ c: Container, _ n: LinuxNetwork) throws(SwkError) {
        if let id = n.classID {
            guard let (dir, v2) = c.directory(for: "net_cls"), !v2 else {
                throw SwkError(.failedPrecondition, "linux.resources.network.classID: no net_cls cgroup hierarchy on this host")
            }
            try write("\(dir)/net_cls.classid", String(id))
        }
        for (i, p) in (n.priorities ?? []).enumerated() {
            guard let (dir, v2) = c.directory(for: "net_prio"), !v2 else {
                throw SwkError(.failedPrecondition, "linux.resources.network.priorities[\(i)]: no net_prio cgroup hierarchy on this host")
            }
            try write("\(dir)/net_prio.ifpriomap", "\(p.name) \(p.priority)")
        }
    }

    /// The v2 name of a v1 controller, when the host drives it through cgroup2.
    static func v2Name(_ v1: String, _ c: Container) -> String {
        c.host.v1[v1] != nil ? v1 : (v1 == "blkio" ? "io" : v1)
    }

    /// What every container may use whatever its rules say (runc's list): the standard nodes,
    /// ptys, and mknod of anything (creation is not access).
    static let defaultDevices: [LinuxDeviceCgroup] = [
        LinuxDeviceCgroup(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        LinuxDeviceCgroup(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
    ]

    /// The v1 devices controller, rule by rule in order; without one (cgroup2), the same rules as
    /// an eBPF device program attached to the container's cgroup2 directory.
    private static func applyDevices(_ c: Container, _ rules: [LinuxDeviceCgroup]) throws(SwkError) {
        var compiled: [swk_dev_rule] = []
        for (i, rule) in rules.enumerated() {
            let type = rule.type ?? "a"
            guard ["a", "c", "b"].contains(type) else {
                throw SwkError(.invalidArgument, "linux.resources.devices[\(i)].type: unknown device type \"\(type)\"")
            }
            var mask: UInt32 = 0
            for ch in (type == "a" ? "rwm" : rule.access ?? "rwm").utf8 {
                switch ch {
                case UInt8(ascii: "r"): mask |= UInt32(SWK_DEV_READ)
                case UInt8(ascii: "w"): mask |= UInt32(SWK_DEV_WRITE)
                case UInt8(ascii: "m"): mask |= UInt32(SWK_DEV_MKNOD)
                default:
                    throw SwkError(.invalidArgument, "linux.resources.devices[\(i)].access: \"\(rule.access ?? "")\" is not made of r, w, m")
                }
            }
            compiled.append(swk_dev_rule(allow: rule.allow ? 1 : 0, type: CChar(UInt8(ascii: type == "b" ? "b" : type == "c" ? "c" : "a")),
                                         major: rule.major ?? -1, minor: rule.minor ?? -1, access: mask))
        }
        if let mount = c.host.v1["devices"] {
            let dir = mount + c.path
            for rule in rules {
                let type = rule.type ?? "a"
                let major = rule.major.map(String.init) ?? "*"
                let minor = rule.minor.map(String.init) ?? "*"
                let value = type == "a" ? "a" : "\(type) \(major):\(minor) \(rule.access ?? "rwm")"
                try write("\(dir)/devices.\(rule.allow ? "allow" : "deny")", value)
            }
        } else if let unified = c.host.unified {
            let dir = unified + c.path
            let rc = compiled.withUnsafeBufferPointer { swk_attach_device_filter(dir, $0.baseAddress, Int32($0.count)) }
            guard rc == 0 else { throw .errno("attach device filter (eBPF) to \(dir)") }
        } else {
            throw SwkError(.failedPrecondition, "linux.resources.devices: no devices controller and no cgroup2 on this host")
        }
    }

    private static func applyMemory(_ c: Container, _ m: LinuxMemory) throws(SwkError) {
        guard let (dir, v2) = c.directory(for: "memory") else {
            if m.limit != nil { throw SwkError(.failedPrecondition, "linux.resources.memory: no memory controller on this host") }
            return
        }
        func bytes(_ v: Int64) -> String { v < 0 ? (v2 ? "max" : "-1") : String(v) }
        if v2 {
            if let limit = m.limit { try write("\(dir)/memory.max", bytes(limit)) }
            if let low = m.reservation { try write("\(dir)/memory.low", bytes(low)) }
            if let swap = m.swap {
                // The spec's swap is memory+swap; cgroup2 limits swap alone.
                let value = swap < 0 ? "max" : String(max(0, swap - (m.limit ?? 0)))
                try write("\(dir)/memory.swap.max", value)
            }
            return
        }
        if let limit = m.limit {
            // memsw must stay >= limit: raise memsw first when growing, after when shrinking.
            if let swap = m.swap, FS.exists("\(dir)/memory.memsw.limit_in_bytes") {
                if (try? write("\(dir)/memory.memsw.limit_in_bytes", bytes(swap))) == nil {
                    try write("\(dir)/memory.limit_in_bytes", bytes(limit))
                    try write("\(dir)/memory.memsw.limit_in_bytes", bytes(swap))
                } else {
                    try write("\(dir)/memory.limit_in_bytes", bytes(limit))
                }
            } else {
                try write("\(dir)/memory.limit_in_bytes", bytes(limit))
            }
        }
        if let low = m.reservation { try write("\(dir)/memory.soft_limit_in_bytes", bytes(low)) }
        if let swappiness = m.swappiness, swappiness <= 100 {
            try write("\(dir)/memory.swappiness", String(swappiness))
        }
        if m.disableOOMKiller == true { try write("\(dir)/memory.oom_control", "1") }
        // kernelTCP is v1 only; `kernel` (memory.kmem.limit_in_bytes) is gone from current
        // kernels and ignored, as runc does.
        if let tcp = m.kernelTCP { try write("\(dir)/memory.kmem.tcp.limit_in_bytes", bytes(tcp)) }
    }

    private static func applyCPU(_ c: Container, _ cpu: LinuxCPU) throws(SwkError) {
        if let (dir, v2) = c.directory(for: "cpu") {
            if v2 {
                if let shares = cpu.shares, shares > 0 {
                    // runc's conversion of shares [2, 262144] to weight [1, 10000].
                    let weight = 1 + ((max(2, min(shares, 262_144)) - 2) * 9999) / 262_142
                    try write("\(dir)/cpu.weight", String(weight))
                }
                if cpu.quota != nil || cpu.period != nil {
                    let quota = cpu.quota.map { $0 > 0 ? String($0) : "max" } ?? "max"
                    try write("\(dir)/cpu.max", "\(quota) \(cpu.period ?? 100_000)")
                }
            } else {
                if let shares = cpu.shares, shares > 0 { try write("\(dir)/cpu.shares", String(shares)) }
                if let period = cpu.period, period > 0 { try write("\(dir)/cpu.cfs_period_us", String(period)) }
                if let quota = cpu.quota, quota != 0 { try write("\(dir)/cpu.cfs_quota_us", String(quota)) }
            }
        } else if cpu.shares != nil || cpu.quota != nil {
            throw SwkError(.failedPrecondition, "linux.resources.cpu: no cpu controller on this host")
        }
        if let (dir, _) = c.directory(for: "cpuset") {
            if let cpus = cpu.cpus, !cpus.isEmpty { try write("\(dir)/cpuset.cpus", cpus) }
            if let mems = cpu.mems, !mems.isEmpty { try write("\(dir)/cpuset.mems", mems) }
        }
    }

    /// Freezes or thaws every process of the container (freezer v1, cgroup.freeze on v2).
    static func setFrozen(_ c: Container, _ frozen: Bool) throws(SwkError) {
        if let dir = c.host.v1["freezer"] {
            try write("\(dir)\(c.path)/freezer.state", frozen ? "FROZEN" : "THAWED")
        } else if let unified = c.host.unified {
            try write("\(unified)\(c.path)/cgroup.freeze", frozen ? "1" : "0")
        } else {
            throw SwkError(.failedPrecondition, "no freezer on this host")
        }
    }

    static func isFrozen(_ c: Container) -> Bool {
        if let dir = c.host.v1["freezer"] {
            return trim((try? FS.readString("\(dir)\(c.path)/freezer.state")) ?? "") == "FROZEN"
        }
        if let unified = c.host.unified {
            return trim((try? FS.readString("\(unified)\(c.path)/cgroup.freeze")) ?? "") == "1"
        }
        return false
    }
}
