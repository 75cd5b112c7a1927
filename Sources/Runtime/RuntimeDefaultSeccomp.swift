import OCI

/// The RuntimeDefault seccomp profile, as data. Simplest correct form: everything is allowed
/// except an explicit deny list answered with EPERM — the syscalls that containerd's and
/// Docker's default profiles grant only with CAP_SYS_ADMIN and friends, or never: kernel
/// modules, kexec, reboot, mounts and the new mount API, swap, namespaces (unshare, setns, and
/// clone with CLONE_NEWUSER), the keyring, bpf, perf, userfaultfd, clock setting, raw I/O ports,
/// process_vm_*, handle-based opens. clone3 answers ENOSYS, as Docker's does, so that libc falls
/// back to clone, whose flags a filter can see. ptrace stays allowed (Docker allows it on
/// kernels ≥ 4.8). Unlike those profiles this one does not relax when capabilities are added:
/// a container that needs mount has to be privileged or Unconfined.
enum RuntimeDefaultSeccomp {
    static let denied = [
        "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
        "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "init_module",
        "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mount",
        "mount_setattr", "move_mount", "nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open",
        "pivot_root", "process_vm_readv", "process_vm_writev", "query_module", "quotactl", "quotactl_fd",
        "reboot", "request_key", "setns", "settimeofday", "swapoff", "swapon", "syslog", "sysfs",
        "_sysctl", "umount2", "unshare", "uselib", "userfaultfd", "ustat",
    ]

    static let cloneNewUser: UInt64 = 0x1000_0000

    static let profile = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
        LinuxSyscall(names: denied, action: "SCMP_ACT_ERRNO", errnoRet: 1),
        LinuxSyscall(names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                     args: [LinuxSeccompArg(index: 0, value: cloneNewUser, valueTwo: cloneNewUser, op: "SCMP_CMP_MASKED_EQ")]),
        LinuxSyscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38),
    ])
}
