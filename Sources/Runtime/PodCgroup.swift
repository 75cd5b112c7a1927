import CRI
import CSwkSys
import Glibc
import SwkSupport

/// The pod's parent cgroup (`/swkube/<pod uid>`), which the OCI runtime puts each container under:
/// its limits are the sandbox's `resources`, written here, as kubelet writes them for pod cgroups.
/// Only the cpu and memory controllers are touched (cpuset and the rest are left to the OCI
/// runtime, which creates the directories it needs and initialises cpuset's).
enum PodCgroup {
    static let root = "/sys/fs/cgroup"

    /// Whether /sys/fs/cgroup is a cgroup2 filesystem (CGROUP2_SUPER_MAGIC): the unified
    /// hierarchy alone, not v1 or hybrid.
    static func hostIsUnified() -> Bool {
        swk_statfs_type(root) == 0x6367_7270
    }

    /// Creates the pod cgroup and sets its limits. A limit the kernel refuses is an error naming
    /// the file, except with `bestEffort` (an update: lowering memory below what the pod uses
    /// fails with EBUSY, and the limit then stays as it was until the pod shrinks).
    static func apply(_ relative: String, _ r: LinuxContainerResources, bestEffort: Bool = false) throws(SwkError) {
        var files: [(hierarchy: String, name: String, value: String)] = []
        if FS.exists("\(root)/cgroup.controllers") {
            // cgroup v2: the controllers must be enabled for the children of every ancestor.
            var dir = root
            for part in relative.split(separator: "/").dropLast() {
                enable(["cpu", "memory"], in: dir)
                dir += "/\(part)"
            }
            enable(["cpu", "memory"], in: dir)
            files.append((root, "cpu.weight", String(weight(shares: r.cpuShares))))
            if r.cpuQuota > 0 { files.append((root, "cpu.max", "\(r.cpuQuota) \(r.cpuPeriod)")) }
            if r.memoryLimitInBytes > 0 { files.append((root, "memory.max", String(r.memoryLimitInBytes))) }
        } else {
            // v1 (or hybrid): one hierarchy per controller; one that is not mounted is skipped.
            let cpu = "\(root)/cpu", memory = "\(root)/memory"
            if r.cpuShares > 0 { files.append((cpu, "cpu.shares", String(r.cpuShares))) }
            if r.cpuQuota > 0 {
                files.append((cpu, "cpu.cfs_period_us", String(r.cpuPeriod)))
                files.append((cpu, "cpu.cfs_quota_us", String(r.cpuQuota)))
            }
            if r.memoryLimitInBytes > 0 { files.append((memory, "memory.limit_in_bytes", String(r.memoryLimitInBytes))) }
        }
        for (hierarchy, name, value) in files where FS.isDirectory(hierarchy) {
            let dir = "\(hierarchy)\(relative)"
            do {
                try FS.makeDirectories(dir)
                try write(value, to: "\(dir)/\(name)")
            } catch {
                if !bestEffort { throw SwkError.wrap(error, "pod cgroup \(relative)") }
            }
        }
    }

    /// Removes the pod cgroup in every hierarchy once it is empty.
    static func remove(_ relative: String) {
        var candidates = ["\(root)\(relative)"]
        for name in (try? FS.list(root)) ?? [] { candidates.append("\(root)/\(name)\(relative)") }
        for dir in candidates where FS.isDirectory(dir) { rmdir(dir) }
    }

    /// cgroup v2's cpu.weight for v1 shares, as runc and the kubelet convert them.
    static func weight(shares: Int64) -> Int64 {
        shares <= 0 ? 100 : 1 + ((max(2, min(shares, 262_144)) - 2) * 9999) / 262_142
    }

    private static func enable(_ controllers: [String], in dir: String) {
        for c in controllers { try? write("+\(c)", to: "\(dir)/cgroup.subtree_control") }
    }

    private static func write(_ value: String, to file: String) throws(SwkError) {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open \(file)") }
        defer { close(fd) }
        let ok = Array(value.utf8).withUnsafeBytes { FS.writeAll(fd, $0) }
        guard ok else { throw .errno("write \(value) to \(file)") }
    }
}
