import CRI
import SwkSupport

/// The Kubernetes and containerd rules that turn an image config plus a CRI ContainerConfig into
/// the container's process: argv, environment, working directory, user.
enum ProcessSpec {
    /// `command` replaces the image Entrypoint and, without `args`, drops its Cmd; `args` replace Cmd.
    static func arguments(image: RuntimeImage, command: [String], args: [String]) -> [String] {
        if !command.isEmpty { return command + args }
        return image.entrypoint + (args.isEmpty ? image.cmd : args)
    }

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// HOSTNAME, then the image's Env, then the config's envs; a later value of a name replaces an
    /// earlier one in place. PATH gets containerd's default when nobody sets it.
    static func environment(image: [String], config: [KeyValue], hostname: String) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        set("HOSTNAME", hostname)
        for entry in image {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        for kv in config { set(kv.key, kv.value) }
        var env = order.map { "\($0)=\(values[$0] ?? "")" }
        if values["PATH"] == nil { env.append(defaultPath) }
        return env
    }

    static func workingDirectory(config: String, image: String) -> String {
        if !config.isEmpty { return config }
        return image.isEmpty ? "/" : image
    }

    struct User: Equatable {
        var uid: UInt32
        var gid: UInt32
        var additionalGids: [UInt32]
    }

    /// Resolves an image's `User` (`uid`, `uid:gid`, `name`, `name:group`) against the container's
    /// own /etc/passwd and /etc/group, as runc does (the host's NSS knows nothing of the image).
    static func user(_ spec: String, rootfs: String) throws(SwkError) -> User {
        if spec.isEmpty { return User(uid: 0, gid: 0, additionalGids: []) }
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let passwd = table("\(rootfs)/etc/passwd")
        var uid: UInt32
        var gid: UInt32 = 0
        var name: String?
        if let n = UInt32(parts[0]) {
            uid = n
            if let entry = passwd.first(where: { $0.count > 3 && UInt32($0[2]) == n }) {
                name = entry[0]
                gid = UInt32(entry[3]) ?? 0
            }
        } else {
            guard let entry = passwd.first(where: { $0.count > 3 && $0[0] == parts[0] }),
                  let u = UInt32(entry[2]), let g = UInt32(entry[3]) else {
                throw SwkError(.invalidArgument, "image user \"\(spec)\": no user \"\(parts[0])\" in \(rootfs)/etc/passwd")
            }
            uid = u
            gid = g
            name = parts[0]
        }
        let groups = table("\(rootfs)/etc/group")
        if parts.count > 1 {
            if let g = UInt32(parts[1]) {
                gid = g
            } else if let entry = groups.first(where: { $0.count > 2 && $0[0] == parts[1] }), let g = UInt32(entry[2]) {
                gid = g
            } else {
                throw SwkError(.invalidArgument, "image user \"\(spec)\": no group \"\(parts[1])\" in \(rootfs)/etc/group")
            }
        }
        var extra: [UInt32] = []
        if let name {
            for entry in groups where entry.count > 3 && entry[3].split(separator: ",").contains(Substring(name)) {
                if let g = UInt32(entry[2]), g != gid, !extra.contains(g) { extra.append(g) }
            }
        }
        return User(uid: uid, gid: gid, additionalGids: extra)
    }

    /// Colon-separated records of a passwd/group file; a missing file is empty.
    private static func table(_ path: String) -> [[String]] {
        guard let text = try? FS.readString(path) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }

    /// A signal named as in an image config (`SIGTERM`, `TERM`, `15`); nil when unknown.
    static func signal(_ name: String) -> Int32? {
        if name.isEmpty { return 15 }
        if let n = Int32(name), n > 0, n < 65 { return n }
        let bare = name.uppercased().hasPrefix("SIG") ? String(name.uppercased().dropFirst(3)) : name.uppercased()
        let table: [String: Int32] = ["HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7,
                                      "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13,
                                      "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
                                      "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
                                      "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31]
        return table[bare]
    }
}
