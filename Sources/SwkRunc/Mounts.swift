import CSwkSys
import Glibc
import OCI
import SwkSupport

/// Turns `mounts`, the default /dev and the cgroup mount into the flat list the C child mounts in
/// order. Destinations stay container paths: the child resolves each inside the rootfs when it
/// mounts (swk_inroot.h), so neither the image nor a racing container can send a mount outside it.
enum Mounts {
    static let rdonly: UInt = 1, nosuid: UInt = 2, nodev: UInt = 4, noexec: UInt = 8
    static let synchronous: UInt = 16, remount: UInt = 32, mandlock: UInt = 64, dirsync: UInt = 128
    static let noatime: UInt = 1024, nodiratime: UInt = 2048, bind: UInt = 4096, rec: UInt = 16384
    static let silent: UInt = 32768, unbindable: UInt = 1 << 17, privateFlag: UInt = 1 << 18
    static let slave: UInt = 1 << 19, shared: UInt = 1 << 20, relatime: UInt = 1 << 21
    static let strictatime: UInt = 1 << 24

    struct Planned {
        var source: String?
        var target: String      // container path
        var fstype: String?
        var data: String?
        var flags: UInt = 0
        var remount: UInt = 0
        var propagation: UInt = 0
        var isFile = false
    }

    struct Options {
        var flags: UInt = 0
        var cleared: UInt = 0
        var propagation: UInt = 0
        var data: [String] = []
    }

    static let propagationNames: [String: UInt] = [
        "private": privateFlag, "rprivate": privateFlag | rec, "shared": shared, "rshared": shared | rec,
        "slave": slave, "rslave": slave | rec, "unbindable": unbindable, "runbindable": unbindable | rec,
    ]

    private static let flagNames: [String: (set: Bool, flag: UInt)] = [
        "ro": (true, rdonly), "rw": (false, rdonly), "nosuid": (true, nosuid), "suid": (false, nosuid),
        "nodev": (true, nodev), "dev": (false, nodev), "noexec": (true, noexec), "exec": (false, noexec),
        "sync": (true, synchronous), "async": (false, synchronous), "dirsync": (true, dirsync),
        "remount": (true, remount), "mand": (true, mandlock), "nomand": (false, mandlock),
        "atime": (false, noatime), "noatime": (true, noatime), "diratime": (false, nodiratime),
        "nodiratime": (true, nodiratime), "relatime": (true, relatime), "norelatime": (false, relatime),
        "strictatime": (true, strictatime), "nostrictatime": (false, strictatime),
        "bind": (true, bind), "rbind": (true, bind | rec), "silent": (true, silent), "loud": (false, silent),
        "defaults": (false, 0),
    ]

    static func parse(_ options: [String]) -> Options {
        var out = Options()
        for option in options {
            if let (set, flag) = flagNames[option] {
                if set { out.flags |= flag } else { out.flags &= ~flag; out.cleared |= flag }
            } else if let p = propagationNames[option] {
                out.propagation = p
            } else {
                out.data.append(option)
            }
        }
        return out
    }

    /// Resolves `path` inside `root` as if `root` were `/`: symlinks and `..` cannot leave it.
    static func secureJoin(root: String, _ path: String) -> String {
        var resolved: [Substring] = []
        var pending = Array(path.split(separator: "/").reversed())
        var links = 0
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." { _ = resolved.popLast(); continue }
            var candidate = join(root, resolved)
            candidate += "/"
            candidate.append(contentsOf: part)
            var st = stat()
            if lstat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, links < 40 {
                links += 1
                var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(candidate, &buf, Int(PATH_MAX))
                if n > 0 {
                    let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    if target.hasPrefix("/") { resolved = [] }
                    pending.append(contentsOf: target.split(separator: "/").reversed())
                    continue
                }
            }
            resolved.append(part)
        }
        return join(root, resolved)
    }

    /// `root/a/b`.
    static func join(_ root: String, _ parts: [Substring]) -> String {
        parts.isEmpty ? root : root + "/" + join(parts, separator: "/")
    }

    /// A loop rather than `joined(separator:)`, whose unspecialized generic code costs a runtime
    /// conformance scan at every start.
    static func join(_ parts: [Substring], separator: String) -> String {
        var out = ""
        var first = true
        for part in parts {
            if !first { out += separator }
            out.append(contentsOf: part)  // the Substring overload: `+=` would take the generic path
            first = false
        }
        return out
    }

    static func plan(spec: Spec, bundle: String, cgroup: Cgroups.Container?) throws(SwkError) -> [Planned] {
        var out: [Planned] = []
        for (i, m) in (spec.mounts ?? []).enumerated() {
            let target = m.destination
            let opts = parse(m.options ?? [])
            let type = m.type ?? ""
            if opts.flags & bind != 0 || type == "bind" {
                guard var source = m.source, !source.isEmpty else {
                    throw SwkError(.invalidArgument, "config.json: mounts[\(i)].source: required for a bind mount")
                }
                if !source.hasPrefix("/") { source = "\(bundle)/\(source)" }
                var st = stat()
                guard stat(source, &st) == 0 else {
                    throw SwkError.errno("config.json: mounts[\(i)].source: stat \(source)")
                }
                var p = Planned(source: source, target: target, flags: bind | (opts.flags & rec))
                p.isFile = (st.st_mode & S_IFMT) != S_IFDIR
                let extra = opts.flags & ~(bind | rec | remount)
                if extra != 0 { p.remount = bind | remount | extra }
                p.propagation = opts.propagation
                out.append(p)
            } else if type == "cgroup" || type == "cgroup2" {
                out += cgroupMounts(target: target, options: opts, cgroup: cgroup)
            } else {
                out.append(Planned(source: m.source ?? type, target: target, fstype: type,
                                   data: opts.data.isEmpty ? nil : join(opts.data.map { $0[...] }, separator: ","),
                                   flags: opts.flags, propagation: opts.propagation))
            }
        }
        return out
    }

    /// The container's own cgroup directories, bind-mounted per hierarchy under a tmpfs (v1 and
    /// hybrid hosts) or alone (v2), as runc shows them to a container.
    private static func cgroupMounts(target: String, options: Options, cgroup: Cgroups.Container?) -> [Planned] {
        guard let cgroup else { return [] }
        let flags = options.flags & (rdonly | nosuid | nodev | noexec)
        if cgroup.host.v1.isEmpty, let unified = cgroup.host.unified {
            return [Planned(source: unified + cgroup.path, target: target, flags: bind | rec,
                            remount: flags != 0 ? bind | remount | flags : 0)]
        }
        var out = [Planned(source: "tmpfs", target: target, fstype: "tmpfs", data: "mode=755",
                           flags: nosuid | nodev | noexec)]
        for dir in cgroup.host.hierarchies {
            out.append(Planned(source: dir + cgroup.path, target: "\(target)/\(FS.basename(of: dir))",
                               flags: bind | rec, remount: flags != 0 ? bind | remount | flags : 0))
        }
        if flags & rdonly != 0 {
            out.append(Planned(source: nil, target: target, flags: remount | rdonly | nosuid | nodev | noexec))
        }
        return out
    }

    /// A device node to create in the container's /dev.
    struct DeviceNode {
        var containerPath: String
        var mode: UInt32
        var major: UInt32
        var minor: UInt32
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The standard devices every container gets, then `linux.devices`; and the /dev symlinks.
    static func devices(spec: Spec) throws(SwkError) -> (nodes: [DeviceNode], links: [(target: String, path: String)]) {
        let bindsDev = (spec.mounts ?? []).contains { $0.destination == "/dev" && parse($0.options ?? []).flags & bind != 0 }
        if bindsDev { return ([], []) }
        var nodes: [DeviceNode] = []
        let chr = UInt32(S_IFCHR)
        for (name, major, minor) in [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8),
                                     ("urandom", 1, 9), ("tty", 5, 0)] as [(String, UInt32, UInt32)] {
            nodes.append(DeviceNode(containerPath: "/dev/\(name)", mode: chr | 0o666, major: major, minor: minor))
        }
        for (i, d) in (spec.linux?.devices ?? []).enumerated() {
            let kind: UInt32
            switch d.type {
            case "c", "u": kind = UInt32(S_IFCHR)
            case "b": kind = UInt32(S_IFBLK)
            case "p": kind = UInt32(S_IFIFO)
            default:
                throw SwkError(.invalidArgument, "config.json: linux.devices[\(i)].type: unknown device type \"\(d.type)\"")
            }
            guard d.path.hasPrefix("/dev/") else {
                throw SwkError(.invalidArgument, "config.json: linux.devices[\(i)].path: \(d.path) is not under /dev")
            }
            nodes.append(DeviceNode(containerPath: d.path, mode: kind | ((d.fileMode ?? 0o666) & 0o7777),
                                    major: UInt32(truncatingIfNeeded: d.major ?? 0), minor: UInt32(truncatingIfNeeded: d.minor ?? 0),
                                    uid: d.uid ?? 0, gid: d.gid ?? 0))
        }
        var links: [(String, String)] = [
            ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"), ("pts/ptmx", "/dev/ptmx"),
        ]
        if FS.exists("/proc/kcore") { links.append(("/proc/kcore", "/dev/core")) }
        return (nodes, links.map { (target: $0.0, path: $0.1) })
    }
}

/// A container without a mount namespace of its own has its rootfs bind (and everything mounted
/// under it) in the runtime's namespace: the runtime removes it again.
extension Mounts {
    /// How many mounts are stacked at `path` here (/proc/self/mountinfo, path canonicalized).
    static func mountCount(at path: String) -> Int {
        guard let resolved = realpath(path, nil) else { return 0 }
        let target = String(cString: resolved)
        free(resolved)
        guard let text = try? FS.readString("/proc/self/mountinfo") else { return 0 }
        var count = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5)
            if fields.count > 4, Cgroups.Host.unescape(String(fields[4])) == target { count += 1 }
        }
        return count
    }

    /// Detaches the top mount at `rootfs` with everything under it (lazily: the init may still
    /// be exiting).
    static func detachRootfs(_ rootfs: String) {
        umount2(rootfs, Int32(MNT_DETACH))
    }

    static func hasOwnMountNamespace(_ spec: Spec) -> Bool {
        spec.linux?.namespaces?.contains { $0.type == "mount" } ?? false
    }
}
