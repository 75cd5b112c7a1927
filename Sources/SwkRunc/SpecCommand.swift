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
        try FS.writeAtomic(path, defaultJSON)
        return 0
    }

    static func defaultSpec() throws(SwkError) -> Spec {
        try Config.decode(Spec.self, bytes: Array(defaultJSON.utf8), name: "default config.json")
    }

    // 1.0.2 rather than our own version: older runtimes (Debian's crun) refuse newer ones.
    static let defaultJSON = """
        {
          "ociVersion": "1.0.2",
          "process": {
            "terminal": true,
            "user": { "uid": 0, "gid": 0 },
            "args": [ "sh" ],
            "env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm" ],
            "cwd": "/",
            "capabilities": {
              "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
              "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
              "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
              "ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
            },
            "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
            "noNewPrivileges": true
          },
          "root": { "path": "rootfs", "readonly": true },
          "hostname": "swkube",
          "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc" },
            { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
              "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
            { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
              "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
            { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
              "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
            { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": [ "nosuid", "noexec", "nodev" ] },
            { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": [ "nosuid", "noexec", "nodev", "ro" ] },
            { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
              "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }
          ],
          "linux": {
            "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
            "namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" } ],
            "maskedPaths": [
              "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
              "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
            ],
            "readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" ]
          }
        }

        """
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
            "hooks":["prestart","createRuntime","createContainer","startContainer","poststart","poststop"],\
            "mountOptions":[\(options)],\
            "linux":{"namespaces":[\(namespaces)],"capabilities":[\(caps)],\
            "cgroup":{"v1":true,"v2":true,"systemd":false,"systemdUser":false},\
            "seccomp":{"enabled":true,"actions":[\(actions.map { "\"\($0)\"" }.joined(separator: ","))],\
            "operators":[\(Seccomp.operators.keys.sorted().map { "\"\($0)\"" }.joined(separator: ","))],\
            "archs":["SCMP_ARCH_X86","SCMP_ARCH_X86_64","SCMP_ARCH_X32","SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"]},\
            "apparmor":{"enabled":true},"selinux":{"enabled":false}},\
            "annotations":{"org.opencontainers.runc.checkpoint.enabled":"false"}}

            """
        emit(text)
        return 0
    }
}
