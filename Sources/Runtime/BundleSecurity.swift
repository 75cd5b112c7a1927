import CRI
import Glibc
import OCI
import SwkSupport

/// CRI's LinuxContainerSecurityContext → the security parts of config.json, as containerd's CRI
/// plugin maps them: capabilities on top of the default set, privileged, user overrides,
/// read-only rootfs, no_new_privs, seccomp.
enum BundleSecurity {
    /// Every capability up to CAP_CHECKPOINT_RESTORE (40), in number order.
    static let allCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
        "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// The capabilities in our own bounding set, as containerd's privileged mode takes them: a
    /// root that lacks some (here CAP_SYS_RESOURCE) cannot hand them to a container, and an older
    /// kernel has fewer.
    static func hostCapabilities() -> [String] {
        guard let status = try? FS.readString("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
              let mask = UInt64(line.dropFirst("CapBnd:".count).filter { !$0.isWhitespace }, radix: 16) else {
            return allCapabilities
        }
        return allCapabilities.enumerated().filter { mask & (UInt64(1) << UInt64($0.offset)) != 0 }.map(\.element)
    }

    /// containerd's rule: start from the default set (all for privileged), add, then drop; `ALL`
    /// in add takes every capability, in drop removes every one not also added.
    static func capabilities(_ cap: Capability?, privileged: Bool) throws(SwkError) -> [String] {
        let all = hostCapabilities()
        var caps = privileged ? all : BundleConfig.defaultCapabilities
        guard let cap else { return caps }
        func normal(_ name: String, _ field: String) throws(SwkError) -> String {
            let upper = name.uppercased()
            if upper == "ALL" { return upper }
            let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
            guard allCapabilities.contains(full) else {
                throw SwkError(.invalidArgument, "securityContext.capabilities.\(field): unknown capability \"\(name)\"")
            }
            return full
        }
        var added: [String] = []
        for name in cap.addCapabilities { added.append(try normal(name, "add")) }
        var dropped: [String] = []
        for name in cap.dropCapabilities { dropped.append(try normal(name, "drop")) }
        if added.contains("ALL") { caps = all }
        for name in added where name != "ALL" && !caps.contains(name) && all.contains(name) { caps.append(name) }
        if dropped.contains("ALL") {
            caps = caps.filter { added.contains($0) }
        } else {
            caps.removeAll { dropped.contains($0) }
        }
        return caps
    }

    /// The user spec (`uid[:gid]` or `name[:gid]`) the container runs as: runAsUser, else
    /// runAsUsername, else the image's user; runAsGroup replaces the group part.
    static func userSpec(image: String, _ sc: LinuxContainerSecurityContext) -> String {
        let parts = image.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var user = parts[0]
        var group = parts.count > 1 ? parts[1] : ""
        if let uid = sc.runAsUser {
            user = String(uid)
            group = ""
        } else if !sc.runAsUsername.isEmpty {
            user = sc.runAsUsername
            group = ""
        }
        if let gid = sc.runAsGroup { group = String(gid) }
        if user.isEmpty && !group.isEmpty { user = "0" }
        return group.isEmpty ? user : "\(user):\(group)"
    }

    /// The seccomp filter for a profile; nil for Unconfined, for none, and for privileged
    /// containers (containerd applies none to them). RuntimeDefault follows the container's
    /// `capabilities`. Localhost profiles are OCI `linux.seccomp` JSON files under `profileDir`,
    /// named by a relative path.
    static func seccomp(_ profile: SecurityProfile?, privileged: Bool, capabilities: [String],
                        profileDir: String) throws(SwkError) -> LinuxSeccomp? {
        guard let profile, !privileged else { return nil }
        switch profile.profileType {
        case .unconfined: return nil
        case .runtimeDefault: return RuntimeDefaultSeccomp.profile(capabilities: capabilities)
        case .localhost:
            let ref = profile.localhostRef
            guard !ref.isEmpty, !ref.hasPrefix("/"), !ref.split(separator: "/").contains("..") else {
                throw SwkError(.invalidArgument, "seccomp localhost profile \"\(ref)\": must be a relative path inside \(profileDir)")
            }
            let path = "\(profileDir)/\(ref)"
            do { return try JSONFile.read(LinuxSeccomp.self, from: path) } catch {
                throw error.context("seccomp localhost profile \(path)")
            }
        }
    }
}
