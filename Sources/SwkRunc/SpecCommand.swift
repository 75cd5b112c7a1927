import Glibc
import OCI
import SwkSupport

/// `spec [--bundle B]`: writes a starter config.json, the same shape `runc spec` writes.
enum SpecCommand {
    static let shape = Arguments.Shape(valued: ["bundle"], boolean: ["rootless"], aliases: ["b": "bundle"])

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let bundle = a.value("bundle") ?? "."
        let path = "\(bundle)/config.json"
        if FS.exists(path) { throw SwkError(.alreadyExists, "file \(path) exists: remove it first") }
        try FS.writeAtomic(path, try JSONOut.pretty(defaultSpec()) + "\n")
        return 0
    }

    static func defaultSpec() -> Spec {
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        var process = Process(
            terminal: true, args: ["sh"],
            env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            capabilities: LinuxCapabilities(bounding: caps, effective: caps, permitted: caps, ambient: caps),
            rlimits: [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)], noNewPrivileges: true)
        process.cwd = "/"
        let mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
        let linux = Linux(
            namespaces: ["pid", "network", "ipc", "uts", "mount"].map { LinuxNamespace(type: $0) },
            maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        // 1.0.2 rather than our own version: older runtimes (Debian's crun) refuse newer ones.
        return Spec(ociVersion: "1.0.2", process: process, root: Root(path: "rootfs", readonly: true), hostname: "swkube",
                    mounts: mounts, linux: linux)
    }
}

/// `features`: what this runtime supports, in the runtime-spec features.md shape.
enum FeaturesCommand {
    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let namespaces = Namespaces.all.map { "\"\($0.type)\"" }.joined(separator: ",")
        let caps = Capabilities.names.map { "\"\($0)\"" }.joined(separator: ",")
        let options = (["ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async", "dirsync",
                        "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "relatime",
                        "norelatime", "strictatime", "nostrictatime", "bind", "rbind", "silent", "loud"]
                       + Mounts.propagationNames.keys.sorted()).map { "\"\($0)\"" }.joined(separator: ",")
        let actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                       "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"]
        let text = """
            {"ociVersionMin":"1.0.0","ociVersionMax":"\(Spec.version)",\
            "hooks":["prestart","createRuntime","poststart","poststop"],\
            "mountOptions":[\(options)],\
            "linux":{"namespaces":[\(namespaces)],"capabilities":[\(caps)],\
            "cgroup":{"v1":true,"v2":true,"systemd":false,"systemdUser":false},\
            "seccomp":{"enabled":true,"actions":[\(actions.map { "\"\($0)\"" }.joined(separator: ","))],\
            "operators":[\(Seccomp.operators.keys.sorted().map { "\"\($0)\"" }.joined(separator: ","))],\
            "archs":["SCMP_ARCH_X86","SCMP_ARCH_X86_64","SCMP_ARCH_X32","SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"]},\
            "apparmor":{"enabled":false},"selinux":{"enabled":false}},\
            "annotations":{"org.opencontainers.runc.checkpoint.enabled":"false"}}

            """
        emit(text)
        return 0
    }
}
