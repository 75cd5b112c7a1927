import CSwkSys
import Glibc
import OCI
import SwkSupport

/// Linux namespaces: the spec's type names, their clone flags and /proc/<pid>/ns file names.
enum Namespaces {
    struct Kind {
        var type: String   // runtime-spec name
        var flag: Int32
        var procName: String
    }

    /// In the order a joining process must enter them: user first (it grants the rights for the
    /// others), mount last but before pid-dependent work.
    static let all: [Kind] = [
        Kind(type: "user", flag: Int32(SWK_CLONE_NEWUSER), procName: "user"),
        Kind(type: "ipc", flag: Int32(SWK_CLONE_NEWIPC), procName: "ipc"),
        Kind(type: "uts", flag: Int32(SWK_CLONE_NEWUTS), procName: "uts"),
        Kind(type: "network", flag: Int32(SWK_CLONE_NEWNET), procName: "net"),
        Kind(type: "pid", flag: Int32(SWK_CLONE_NEWPID), procName: "pid"),
        Kind(type: "cgroup", flag: Int32(SWK_CLONE_NEWCGROUP), procName: "cgroup"),
        Kind(type: "mount", flag: Int32(SWK_CLONE_NEWNS), procName: "mnt"),
    ]

    static func flag(_ type: String) -> Int32? {
        all.first { $0.type == type }?.flag
    }

    /// What to create and what to join, from `linux.namespaces`.
    struct Plan {
        var newFlags: Int32 = 0
        var joins: [(path: String, flag: Int32)] = []

        func creates(_ type: String) -> Bool {
            guard let f = Namespaces.flag(type) else { return false }
            return newFlags & f != 0
        }

        func joinsOrCreates(_ type: String) -> Bool {
            guard let f = Namespaces.flag(type) else { return false }
            return newFlags & f != 0 || joins.contains { $0.flag == f }
        }
    }

    static func plan(_ list: [LinuxNamespace]) throws(SwkError) -> Plan {
        var plan = Plan()
        var seen = Set<String>()
        for (i, ns) in list.enumerated() {
            guard let f = flag(ns.type) else {
                throw SwkError(.invalidArgument, "config.json: linux.namespaces[\(i)].type: unknown namespace type \"\(ns.type)\"")
            }
            guard seen.insert(ns.type).inserted else {
                throw SwkError(.invalidArgument, "config.json: linux.namespaces[\(i)].type: \(ns.type) listed twice")
            }
            if let path = ns.path, !path.isEmpty {
                guard FS.exists(path) else {
                    throw SwkError(.notFound, "config.json: linux.namespaces[\(i)].path: \(path) does not exist")
                }
                plan.joins.append((path, f))
            } else {
                plan.newFlags |= f
            }
        }
        // setns order matters: the user namespace first, the mount namespace last.
        plan.joins.sort { a, b in
            (all.firstIndex { $0.flag == a.flag } ?? 0) < (all.firstIndex { $0.flag == b.flag } ?? 0)
        }
        return plan
    }

    /// The inode of /proc/<pid>/ns/<name>, to tell whether two processes share a namespace.
    static func inode(pid: String, _ procName: String) -> UInt64? {
        var st = stat()
        guard stat("/proc/\(pid)/ns/\(procName)", &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }
}
