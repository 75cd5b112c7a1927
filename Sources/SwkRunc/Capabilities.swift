import OCI
import SwkSupport

/// Capability names (`CAP_SYS_ADMIN`) to bit numbers, as in linux/capability.h.
enum Capabilities {
    static let names: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    struct Sets {
        var bounding: UInt64 = 0
        var effective: UInt64 = 0
        var permitted: UInt64 = 0
        var inheritable: UInt64 = 0
        var ambient: UInt64 = 0
    }

    static func mask(_ list: [String]?, field: String) throws(SwkError) -> UInt64 {
        var mask: UInt64 = 0
        for (i, name) in (list ?? []).enumerated() {
            let upper = name.uppercased()
            let full = upper.hasPrefix("CAP_") ? upper : "CAP_\(upper)"
            guard let bit = names.firstIndex(of: full) else {
                throw SwkError(.invalidArgument, "config.json: \(field)[\(i)]: unknown capability \"\(name)\"")
            }
            mask |= 1 << UInt64(bit)
        }
        return mask
    }

    static func sets(_ caps: LinuxCapabilities, field: String = "process.capabilities") throws(SwkError) -> Sets {
        Sets(bounding: try mask(caps.bounding, field: "\(field).bounding"),
             effective: try mask(caps.effective, field: "\(field).effective"),
             permitted: try mask(caps.permitted, field: "\(field).permitted"),
             inheritable: try mask(caps.inheritable, field: "\(field).inheritable"),
             ambient: try mask(caps.ambient, field: "\(field).ambient"))
    }
}
