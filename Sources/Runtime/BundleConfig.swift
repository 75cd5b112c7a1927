import CRI
import OCI
import SwkSupport

/// The OCI runtime spec's config.json (runtime-spec v1.0.2 field names), reduced to what swkube
/// writes. Optional fields are left out of the JSON when nil. It is accepted by runc, crun and
/// swkube-runc alike.
struct BundleConfig: Codable, Equatable {
    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String?
    var mounts: [Mount]
    var linux: Linux

    struct Process: Codable, Equatable {
        var terminal = false
        var user: User
        var args: [String]
        var env: [String]
        var cwd: String
        var capabilities: Capabilities
        var noNewPrivileges = false
    }
    struct User: Codable, Equatable {
        var uid: UInt32
        var gid: UInt32
        var additionalGids: [UInt32]?
    }
    struct Capabilities: Codable, Equatable {
        var bounding: [String]
        var effective: [String]
        var permitted: [String]
    }
    struct Root: Codable, Equatable {
        var path: String
        var readonly: Bool
    }
    struct Mount: Codable, Equatable {
        var destination: String
        var type: String
        var source: String
        var options: [String]
    }
    struct Linux: Codable, Equatable {
        var resources: Resources
        var cgroupsPath: String
        var namespaces: [Namespace]
        var maskedPaths: [String]
        var readonlyPaths: [String]
        var seccomp: LinuxSeccomp?
        var rootfsPropagation: String?
        /// Device nodes beyond the runtime's standard set (a privileged container's host devices).
        var devices: [Device]?
        /// The pod's sysctls (kubelet admitted them: namespaced, safe or allowed by the node).
        var sysctl: [String: String]?
    }
    struct Device: Codable, Equatable {
        var path: String
        /// c, b or p.
        var type: String
        var major: Int64
        var minor: Int64
        var fileMode: UInt32
        var uid: UInt32
        var gid: UInt32
    }
    struct Namespace: Codable, Equatable {
        var type: String
        var path: String?
    }
    struct Resources: Codable, Equatable {
        var devices: [DeviceRule]
        var memory: Memory?
        var cpu: CPU?
    }
    struct DeviceRule: Codable, Equatable {
        var allow: Bool
        var access: String
    }
    struct Memory: Codable, Equatable {
        var limit: Int64
    }
    struct CPU: Codable, Equatable {
        var shares: UInt64?
        var quota: Int64?
        var period: UInt64?
    }
}

extension BundleConfig {
    /// containerd's CRI default capability set for unprivileged containers.
    static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]
    /// containerd's (and kubelet's default procMount) masked and read-only paths.
    static let defaultMaskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/sys/devices/virtual/powercap", "/proc/scsi",
    ]
    static let defaultReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    static let standardMounts: [Mount] = [
        Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
              options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]

    /// Everything a container's config.json is made from, gathered by the caller.
    struct Inputs {
        var args: [String]
        var env: [String]
        var cwd: String
        var user: ProcessSpec.User
        var hostname: String
        /// The pod runs in the host's pid namespace (`hostPID`).
        var hostPID = false
        /// Namespace kind (`network`, `ipc`, `uts`) → pinned file; a kind absent here is the host's.
        var sharedNamespaces: [String: String]
        var cgroupsPath: String
        var resources: LinuxContainerResources
        var mounts: [CRI.Mount]
        /// /etc/hostname, /etc/hosts, /etc/resolv.conf of the sandbox → their files on the host.
        var etcFiles: [(String, String)]
        var security = LinuxContainerSecurityContext()
        /// The resolved seccomp filter (see BundleSecurity.seccomp); nil for none.
        var seccomp: LinuxSeccomp?
        /// For a privileged container: the host's devices (see HostDevices).
        var hostDevices: [Device] = []
        /// The host directory bind-mounted at /dev/shm: the pod's shm tmpfs, or the host's
        /// /dev/shm for hostIPC (see PodShm); nil gives the container a tmpfs of its own.
        var shm: String?
        /// The host is on the unified cgroup hierarchy (cgroup v2): unprivileged containers get a
        /// private cgroup namespace, as containerd's CRI gives them (never on v1 or hybrid hosts).
        var hostCgroupV2 = false
        /// The pod's sysctls, written by the runtime inside the container's namespaces.
        var sysctls: [String: String] = [:]
    }

    /// A privileged container gets every capability, no masked or read-only paths, /sys
    /// read-write, the host's devices and access to every device (containerd's WithHostDevices
    /// and WithAllDevicesAllowed).
    ///
    /// No rlimits are set: as under containerd's CRI, the container inherits the runtime's own
    /// (the daemon's, e.g. systemd's LimitNOFILE), and nothing is raised that would need
    /// CAP_SYS_RESOURCE.
    static func make(_ i: Inputs) throws(SwkError) -> BundleConfig {
        let sec = i.security
        var namespaces = i.hostPID ? [Namespace(type: "mount")] : [Namespace(type: "pid"), Namespace(type: "mount")]
        for kind in ["network", "ipc", "uts"] {
            if let path = i.sharedNamespaces[kind] { namespaces.append(Namespace(type: kind, path: path)) }
        }
        if i.hostCgroupV2 && !sec.privileged { namespaces.append(Namespace(type: "cgroup")) }
        var mounts = standardMounts
        if sec.privileged, let sys = mounts.firstIndex(where: { $0.destination == "/sys" }) {
            mounts[sys].options.removeAll { $0 == "ro" }
        }
        if let shm = i.shm, let index = mounts.firstIndex(where: { $0.destination == "/dev/shm" }) {
            mounts[index] = Mount(destination: "/dev/shm", type: "bind", source: shm,
                                  options: ["rbind", "rprivate", "nosuid", "nodev", "noexec", "rw"])
        }
        // Read-only with the root, as containerd mounts them under readOnlyRootFilesystem.
        for (dest, source) in i.etcFiles {
            mounts.append(Mount(destination: dest, type: "bind", source: source,
                                options: ["rbind", "rprivate", sec.readonlyRootfs ? "ro" : "rw"]))
        }
        // Propagation as containerd's CRI sets it: the mount's own mode, and the rootfs made
        // rslave (HostToContainer) or rshared (Bidirectional) so the bind can take it.
        var rootfsPropagation: String?
        for m in i.mounts {
            let mode: String
            switch m.propagation {
            case .private: mode = "rprivate"
            case .hostToContainer:
                mode = "rslave"
                if rootfsPropagation == nil { rootfsPropagation = "rslave" }
            case .bidirectional:
                mode = "rshared"
                rootfsPropagation = "rshared"
            }
            mounts.append(Mount(destination: m.containerPath, type: "bind", source: m.hostPath,
                                options: ["rbind", mode, m.readonly ? "ro" : "rw"]))
        }
        let r = i.resources
        var cpu = CPU()
        if r.cpuShares > 0 { cpu.shares = UInt64(r.cpuShares) }
        if r.cpuQuota > 0 { cpu.quota = r.cpuQuota }
        if r.cpuPeriod > 0 { cpu.period = UInt64(r.cpuPeriod) }
        let caps = try BundleSecurity.capabilities(sec.capabilities, privileged: sec.privileged)
        var gids = i.user.additionalGids
        for g in sec.supplementalGroups {
            guard let gid = UInt32(exactly: g) else {
                throw SwkError(.invalidArgument, "securityContext.supplementalGroups: group \(g) is out of range")
            }
            if !gids.contains(gid) { gids.append(gid) }
        }
        return BundleConfig(
            process: Process(
                user: User(uid: i.user.uid, gid: i.user.gid, additionalGids: gids.isEmpty ? nil : gids),
                args: i.args, env: i.env, cwd: i.cwd,
                capabilities: Capabilities(bounding: caps, effective: caps, permitted: caps),
                noNewPrivileges: sec.noNewPrivs),
            root: Root(path: "rootfs", readonly: sec.readonlyRootfs),
            hostname: i.hostname.isEmpty ? nil : i.hostname,
            mounts: mounts,
            linux: Linux(
                resources: Resources(devices: [DeviceRule(allow: sec.privileged, access: "rwm")],
                                     memory: r.memoryLimitInBytes > 0 ? Memory(limit: r.memoryLimitInBytes) : nil,
                                     cpu: cpu == CPU() ? nil : cpu),
                cgroupsPath: i.cgroupsPath, namespaces: namespaces,
                maskedPaths: sec.privileged ? [] : sec.maskedPaths ?? defaultMaskedPaths,
                readonlyPaths: sec.privileged ? [] : sec.readonlyPaths ?? defaultReadonlyPaths,
                seccomp: i.seccomp, rootfsPropagation: rootfsPropagation,
                devices: sec.privileged && !i.hostDevices.isEmpty ? i.hostDevices : nil,
                sysctl: i.sysctls.isEmpty ? nil : i.sysctls))
    }
}
