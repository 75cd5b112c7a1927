import CSwkSys
import Glibc
import OCI
import SwkSupport

/// cgroups on v1, v2 and hybrid hosts, decided per controller: a controller with a v1 hierarchy is
/// driven there, otherwise through the cgroup2 mount if it lists the controller. On this project's
/// hosts (v1 controllers + a cgroup2 mount at /sys/fs/cgroup/unified holding only hugetlb) memory,
/// cpu and pids are v1. A container's cgroup is the same relative path in every hierarchy.
enum Cgroups {
    struct Host: Sendable, Equatable {
        /// controller name → v1 hierarchy mount point (co-mounted controllers share one).
        var v1: [String: String] = [:]
        /// The cgroup2 mount point, if any, and the controllers it offers.
        var unified: String?
        var unifiedControllers: Set<String> = []

        /// Every v1 hierarchy mount point, each once, plus the cgroup2 mount.
        var hierarchies: [String] {
            var seen = Set<String>()
            var out: [String] = []
            for dir in v1.values.sorted() where seen.insert(dir).inserted { out.append(dir) }
            if let unified, !v1.isEmpty { out.append(unified) }
            return out
        }

        var allDirectories: [String] {
            v1.isEmpty ? (unified.map { [$0] } ?? []) : hierarchies
        }

        /// Where `controller` is driven: (mount point, is v2).
        func locate(_ controller: String) -> (dir: String, v2: Bool)? {
            if let dir = v1[controller] { return (dir, false) }
            if let unified, unifiedControllers.contains(controller) { return (unified, true) }
            return nil
        }

        /// This process's view, detected once (every verb needs it, `run` several times).
        static let current = detect()

        /// The mount points from /proc/self/cgroup and the usual /sys/fs/cgroup layout, each
        /// verified with statfs; anything unusual falls back to scanning /proc/self/mountinfo,
        /// whose size grows with every mount on the host (~5 per pod).
        static func detect() -> Host {
            if let host = fromProcCgroup() { return host }
            return fromMountinfo()
        }

        static func fromProcCgroup() -> Host? {
            guard let text = try? FS.readString("/proc/self/cgroup") else { return nil }
            var host = Host()
            for line in text.split(separator: "\n") {
                // "hierarchy-id:controller,list:path"; cgroup2 is "0::path".
                let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3 else { return nil }
                if fields[1].isEmpty { continue }
                let names = fields[1].split(separator: ",")
                let dirName = names.count == 1 && names[0].hasPrefix("name=") ? String(names[0].dropFirst(5)) : String(fields[1])
                let dir = "/sys/fs/cgroup/\(dirName)"
                guard isMount(dir, magic: cgroupV1Magic) else { return nil }
                for name in names where !name.hasPrefix("name=") || name == "name=systemd" { host.v1[String(name)] = dir }
            }
            for dir in host.v1.isEmpty ? ["/sys/fs/cgroup"] : ["/sys/fs/cgroup/unified"] where isMount(dir, magic: cgroupV2Magic) {
                host.unified = dir
            }
            // A cgroup2 mount elsewhere (or none at all) is the scan's business.
            guard host.unified != nil else { return nil }
            host.readUnifiedControllers()
            return host
        }

        static let cgroupV1Magic = 0x0027_e0eb
        static let cgroupV2Magic = 0x6367_7270

        private static func isMount(_ dir: String, magic: Int) -> Bool {
            swk_statfs_type(dir) == magic
        }

        private mutating func readUnifiedControllers() {
            if let unified, let list = try? FS.readString("\(unified)/cgroup.controllers") {
                unifiedControllers = Set(list.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            }
        }

        static func fromMountinfo() -> Host {
            var host = Host()
            guard let text = try? FS.readString("/proc/self/mountinfo") else { return host }
            // Fields: id parent major:minor root mountpoint options [optional…] - fstype source superopts
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard let dash = fields.firstIndex(of: "-"), dash >= 5, dash + 3 < fields.count else { continue }
                let fstype = fields[dash + 1]
                guard fstype == "cgroup" || fstype == "cgroup2" else { continue }
                let mountPoint = unescape(String(fields[4]))
                if fstype == "cgroup2" {
                    host.unified = mountPoint
                    continue
                }
                for opt in fields[dash + 3].split(separator: ",") where opt != "rw" && opt != "ro" {
                    if !opt.contains("=") || opt == "name=systemd" { host.v1[String(opt)] = mountPoint }
                }
            }
            host.readUnifiedControllers()
            return host
        }

        /// mountinfo writes space, tab, newline and backslash as \ooo octal escapes.
        static func unescape(_ s: String) -> String {
            let bytes = Array(s.utf8)
            guard bytes.contains(0x5c) else { return s }
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                let digits = i + 3 < bytes.count ? bytes[(i + 1)...(i + 3)] : []
                if bytes[i] == 0x5c, digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    out.append(digits.reduce(0) { $0 &* 8 &+ ($1 - 0x30) })
                    i += 4
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The cgroup of one container: the same relative path (`/swkube/pod/ctr`) in every hierarchy.
    struct Container: Sendable {
        var host: Host
        var path: String

        var directories: [String] { host.allDirectories.map { $0 + path } }

        func directory(for controller: String) -> (dir: String, v2: Bool)? {
            host.locate(controller).map { ($0.dir + path, $0.v2) }
        }
    }

    /// `linux.cgroupsPath`: absolute, relative (to the hierarchy root, as runc treats it), or
    /// empty (the container id).
    static func path(_ configured: String?, id: String) throws(SwkError) -> String {
        let raw = configured ?? ""
        if raw.isEmpty { return "/\(id)" }
        if raw.contains(":") && !raw.hasPrefix("/") {
            throw SwkError(.invalidArgument, "config.json: linux.cgroupsPath: \(raw) is a systemd slice path; systemd cgroups are not supported")
        }
        let parts = raw.split(separator: "/")
        if parts.contains("..") {
            throw SwkError(.invalidArgument, "config.json: linux.cgroupsPath: \(raw) must not contain ..")
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Creates the directories and applies `resources`. Returns the directories it created
    /// (parents included), so a failed `create` can remove exactly those; on error it removes
    /// them itself.
    static func create(_ c: Container, resources: LinuxResources?) throws(SwkError) -> [String] {
        var created: [String] = []
        do throws(SwkError) {
            for mount in c.host.allDirectories {
                var dir = mount
                for part in c.path.split(separator: "/") {
                    dir += "/\(part)"
                    if mkdir(dir, 0o755) == 0 {
                        created.append(dir)
                    } else if errno != EEXIST {
                        throw .errno("create cgroup \(dir)")
                    }
                    // A new v1 cpuset is empty and refuses tasks: inherit the parent's cpus and mems.
                    if mount == c.host.v1["cpuset"] { try inheritCpuset(dir) }
                }
            }
            enableV2Controllers(c)
            if let resources { try apply(c, resources) }
            return created
        } catch {
            try? removeDirectories(created)
            throw error
        }
    }

    private static func inheritCpuset(_ dir: String) throws(SwkError) {
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let current = (try? FS.readString("\(dir)/\(file)")) ?? ""
            if trim(current).isEmpty, let parent = try? FS.readString("\(FS.dirname(of: dir))/\(file)") {
                try write("\(dir)/\(file)", trim(parent))
            }
        }
    }

    /// On cgroup2 a controller reaches a child only when every ancestor lists it in
    /// cgroup.subtree_control. Failures surface later, when the limit file is missing.
    private static func enableV2Controllers(_ c: Container) {
        guard let unified = c.host.unified else { return }
        let wanted = ["cpuset", "cpu", "io", "memory", "pids", "hugetlb"].filter {
            c.host.v1[$0] == nil && c.host.unifiedControllers.contains($0)
        }
        if wanted.isEmpty { return }
        var dir = unified
        for part in c.path.split(separator: "/").dropLast() {
            for controller in wanted { try? write("\(dir)/cgroup.subtree_control", "+\(controller)") }
            dir += "/\(part)"
        }
        for controller in wanted { try? write("\(dir)/cgroup.subtree_control", "+\(controller)") }
    }

    static func add(_ c: Container, pid: pid_t) throws(SwkError) {
        for dir in c.directories {
            try write("\(dir)/cgroup.procs", String(pid))
        }
    }

    /// Removes the container's directories (not its parents, which other containers may share).
    static func destroy(_ c: Container) throws(SwkError) {
        try removeDirectories(c.directories)
    }

    /// rmdir in reverse order, retrying briefly while the last processes finish exiting.
    static func removeDirectories(_ dirs: [String]) throws(SwkError) {
        for dir in dirs.reversed() {
            var attempts = 0
            while rmdir(dir) != 0 {
                if errno == ENOENT { break }
                attempts += 1
                guard errno == EBUSY, attempts < 1000 else { throw .errno("remove cgroup \(dir)") }
                var ts = timespec(tv_sec: 0, tv_nsec: 2_000_000)
                nanosleep(&ts, nil)
            }
        }
    }

    static func pids(_ c: Container) -> [pid_t] {
        for dir in c.directories {
            guard let text = try? FS.readString("\(dir)/cgroup.procs") else { continue }
            return text.split(separator: "\n").compactMap { pid_t($0) }
        }
        return []
    }

    /// Strips ASCII whitespace (kernel files end in "\n"). On UTF-8 bytes: the generic
    /// Character/reversed() version instantiates metadata at run time (a conformance scan each).
    static func trim(_ s: String) -> String {
        let u = s.utf8
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0a || b == 0x09 || b == 0x0d }
        var start = u.startIndex, end = u.endIndex
        while start < end, space(u[start]) { start = u.index(after: start) }
        while end > start, space(u[u.index(before: end)]) { end = u.index(before: end) }
        return String(s[start..<end])
    }

    static func write(_ path: String, _ value: String) throws(SwkError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open \(path)") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw .errno("write \(value) to \(path)") }
    }
}
