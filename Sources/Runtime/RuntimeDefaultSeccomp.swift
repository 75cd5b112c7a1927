import Glibc
import OCI

/// The RuntimeDefault seccomp profile: an allow-list equivalent to containerd's default profile
/// (contrib/seccomp), built per container because part of it follows the container's capabilities.
///
/// - Anything not listed answers EPERM (`SCMP_ACT_ERRNO`, `defaultErrnoRet` 1): new kernel
///   syscalls are denied until someone adds them here, as with containerd.
/// - The filter covers the host's architecture and its compat ABIs (x86_64: x86 and x32;
///   aarch64: arm…), so 32-bit binaries run where the kernel allows them; calls that exist only
///   on one architecture (arch_prctl, the arm cache calls…) are added on that host only.
/// - Capability-conditional calls (mount, unshare, setns with CAP_SYS_ADMIN, reboot with
///   CAP_SYS_BOOT, …) are allowed only when the container holds the capability.
/// - Without CAP_SYS_ADMIN, clone may not create namespaces (a flag mask on its first argument),
///   and clone3 — whose flags sit in memory a filter cannot read — answers ENOSYS so libc falls
///   back to clone.
/// - personality(2) only for the values containerd allows (Linux, UNAME26, ADDR_NO_RANDOMIZE,
///   their combination, and the 0xffffffff query); socket(2) for every family but AF_VSOCK.
/// - io_uring is not allowed (containerd removed it: it bypasses the syscall filter).
/// ptrace and process_vm_* stay allowed as in containerd: since Linux 4.8 a traced process
/// cannot escape its filter, and ptrace is still bounded by the PID namespace and CAP_SYS_PTRACE.
enum RuntimeDefaultSeccomp {
    static let errnoEPERM: UInt32 = 1
    static let errnoENOSYS: UInt32 = 38
    static let afVsock: UInt64 = 40
    /// CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP.
    static let cloneNamespaceFlags: UInt64 = 0x0002_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000
        | 0x2000_0000 | 0x4000_0000 | 0x0200_0000
    /// PER_LINUX, UNAME26, PER_LINUX32, UNAME26 | PER_LINUX32, and the query value.
    static let personalities: [UInt64] = [0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff]

    /// This machine as uname(2) names it (`x86_64`, `aarch64`…).
    static let hostMachine: String = {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()

    /// The profile for a container holding `capabilities` (its effective set), on `machine`.
    static func profile(capabilities: [String], machine: String = hostMachine) -> LinuxSeccomp {
        let caps = Set(capabilities)
        let admin = caps.contains("CAP_SYS_ADMIN")
        var names = Set(allowed).union(archSpecific(machine: machine))
        for (cap, granted) in byCapability where caps.contains(cap) { names.formUnion(granted) }
        var rules = [LinuxSyscall(names: names.sorted(), action: "SCMP_ACT_ALLOW")]
        rules.append(LinuxSyscall(names: ["socket"], action: "SCMP_ACT_ALLOW",
                                  args: [LinuxSeccompArg(index: 0, value: afVsock, op: "SCMP_CMP_NE")]))
        for value in personalities {
            rules.append(LinuxSyscall(names: ["personality"], action: "SCMP_ACT_ALLOW",
                                      args: [LinuxSeccompArg(index: 0, value: value, op: "SCMP_CMP_EQ")]))
        }
        if !admin {
            // s390's clone takes the stack first and the flags second.
            let flagsIndex: UInt = machine.hasPrefix("s390") ? 1 : 0
            rules.append(LinuxSyscall(names: ["clone"], action: "SCMP_ACT_ALLOW", args: [
                LinuxSeccompArg(index: flagsIndex, value: cloneNamespaceFlags, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ"),
            ]))
            rules.append(LinuxSyscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: errnoENOSYS))
        }
        var profile = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: rules)
        profile.defaultErrnoRet = errnoEPERM
        let arches = architectures(machine: machine)
        profile.architectures = arches.isEmpty ? nil : arches
        return profile
    }

    /// The native architecture first, then the compat ABIs its kernel may run (containerd's
    /// list); empty where we know none, which leaves the native one only.
    static func architectures(machine: String) -> [String] {
        switch machine {
        case "x86_64": return ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        case "aarch64", "arm64": return ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
        case "s390x": return ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"]
        case "riscv64": return ["SCMP_ARCH_RISCV64"]
        case "ppc64le": return ["SCMP_ARCH_PPC64LE"]
        case "i386", "i686": return ["SCMP_ARCH_X86"]
        default: return []
        }
    }

    /// Calls that only exist (or only make sense) on one architecture family.
    static func archSpecific(machine: String) -> [String] {
        switch machine {
        case "x86_64": return ["arch_prctl", "modify_ldt"]
        case "i386", "i686": return ["modify_ldt"]
        case "aarch64", "arm64", "armv7l", "armv6l":
            return ["arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls", "sync_file_range2"]
        case "s390x": return ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"]
        case "ppc64le": return ["swapcontext", "sync_file_range2"]
        case "riscv64": return ["riscv_flush_icache"]
        default: return []
        }
    }

    /// Syscalls a capability unlocks (containerd's table).
    static let byCapability: [(String, [String])] = [
        ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
        ("CAP_SYS_ADMIN", [
            "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
            "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
            "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
        ]),
        ("CAP_SYS_BOOT", ["reboot"]),
        ("CAP_SYS_CHROOT", ["chroot"]),
        ("CAP_SYS_MODULE", ["delete_module", "finit_module", "init_module"]),
        ("CAP_SYS_PACCT", ["acct"]),
        ("CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"]),
        ("CAP_SYS_RAWIO", ["ioperm", "iopl"]),
        ("CAP_SYS_TIME", ["clock_settime", "clock_settime64", "settimeofday", "stime"]),
        ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
        ("CAP_SYS_NICE", ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"]),
        ("CAP_SYSLOG", ["syslog"]),
        ("CAP_BPF", ["bpf"]),
        ("CAP_PERFMON", ["perf_event_open"]),
    ]
}
