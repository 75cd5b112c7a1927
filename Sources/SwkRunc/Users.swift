import SwkSupport

/// The container's /etc/passwd and /etc/group, read from the rootfs as runc does (never through
/// NSS: static glibc cannot load it, and the host's users are not the container's).
enum Users {
    struct Entry {
        var name: String
        var uid: UInt32
        var gid: UInt32
        var home: String
    }

    static func passwd(rootfs: String) -> [Entry] {
        let path = Mounts.secureJoin(root: rootfs, "/etc/passwd")
        guard let text = try? FS.readString(path) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 6, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return Entry(name: String(f[0]), uid: uid, gid: gid, home: String(f[5]))
        }
    }

    static func groupID(rootfs: String, name: String) -> UInt32? {
        let path = Mounts.secureJoin(root: rootfs, "/etc/group")
        guard let text = try? FS.readString(path) else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 3, f[0] == name, let gid = UInt32(f[2]) { return gid }
        }
        return nil
    }

    /// `exec --user` value: `uid[:gid]` or `name[:group]`, names looked up in the rootfs.
    static func resolve(_ spec: String, rootfs: String) throws(SwkError) -> (uid: UInt32, gid: UInt32) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        guard let first = parts.first, !first.isEmpty else {
            throw SwkError(.invalidArgument, "exec: --user: empty user")
        }
        var uid: UInt32
        var gid: UInt32 = 0
        if let n = UInt32(first) {
            uid = n
            gid = passwd(rootfs: rootfs).first { $0.uid == n }?.gid ?? 0
        } else if let entry = passwd(rootfs: rootfs).first(where: { $0.name == first }) {
            uid = entry.uid
            gid = entry.gid
        } else {
            throw SwkError(.notFound, "exec: --user: no user \"\(first)\" in the container's /etc/passwd")
        }
        if parts.count > 1 {
            if let n = UInt32(parts[1]) {
                gid = n
            } else if let g = groupID(rootfs: rootfs, name: parts[1]) {
                gid = g
            } else {
                throw SwkError(.notFound, "exec: --user: no group \"\(parts[1])\" in the container's /etc/group")
            }
        }
        return (uid, gid)
    }

    /// `HOME` for the process when its environment has none: the user's passwd entry, else "/".
    static func withHome(_ env: [String], uid: UInt32, rootfs: String) -> [String] {
        if env.contains(where: { $0.hasPrefix("HOME=") }) { return env }
        let home = passwd(rootfs: rootfs).first { $0.uid == uid }?.home ?? "/"
        return env + ["HOME=\(home.isEmpty ? "/" : home)"]
    }
}
