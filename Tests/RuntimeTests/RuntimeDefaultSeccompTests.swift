import OCI
@testable import Runtime
import Testing

/// The RuntimeDefault profile's shape, as data: an allow-list like containerd's.
struct RuntimeDefaultSeccompTests {
    static let defaults = RuntimeDefaultSeccomp.profile(capabilities: BundleConfig.defaultCapabilities, machine: "x86_64")

    /// Names allowed whatever their arguments.
    static func unconditional(_ p: LinuxSeccomp) -> Set<String> {
        Set((p.syscalls ?? []).filter { $0.action == "SCMP_ACT_ALLOW" && ($0.args ?? []).isEmpty }.flatMap(\.names))
    }

    static func rules(_ p: LinuxSeccomp, _ name: String) -> [LinuxSyscall] {
        (p.syscalls ?? []).filter { $0.names.contains(name) }
    }

    @Test func deniesWithEPERMByDefault() {
        #expect(Self.defaults.defaultAction == "SCMP_ACT_ERRNO")
        #expect(Self.defaults.defaultErrnoRet == 1)
    }

    @Test(arguments: [
        ("x86_64", ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
        ("aarch64", ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]),
        ("s390x", ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"]),
    ])
    func coversTheHostArchitectureAndItsCompatABIs(machine: String, expected: [String]) {
        #expect(RuntimeDefaultSeccomp.profile(capabilities: [], machine: machine).architectures == expected)
    }

    @Test func unknownMachineLeavesTheNativeArchitectureOnly() {
        #expect(RuntimeDefaultSeccomp.profile(capabilities: [], machine: "m68k").architectures == nil)
    }

    @Test func architectureSpecificCallsOnlyOnTheirArchitecture() {
        let x86 = Self.unconditional(Self.defaults)
        let arm = Self.unconditional(RuntimeDefaultSeccomp.profile(capabilities: [], machine: "aarch64"))
        #expect(x86.contains("arch_prctl") && x86.contains("modify_ldt") && !x86.contains("set_tls"))
        #expect(arm.contains("set_tls") && arm.contains("cacheflush") && !arm.contains("arch_prctl") && !arm.contains("modify_ldt"))
    }

    @Test func everydayCallsAreAllowed() {
        let allowed = Self.unconditional(Self.defaults)
        let everyday = [
            "execve", "openat", "read", "write", "close", "mmap", "munmap", "mprotect", "brk", "futex", "epoll_create1",
            "epoll_ctl", "epoll_pwait", "epoll_wait", "statx", "newfstatat", "rseq", "set_robust_list", "rt_sigaction",
            "rt_sigprocmask", "wait4", "getdents64", "fcntl", "pipe2", "dup3", "prlimit64", "getrandom", "exit_group",
            "setresuid", "setgroups", "capset", "prctl", "chroot", "mmap2", "socketcall", "_llseek", "clock_gettime64",
        ]
        #expect(everyday.filter { !allowed.contains($0) } == [])
    }

    @Test func cloneWithoutNamespacesAndClone3FallsBack() {
        let clone = Self.rules(Self.defaults, "clone")
        #expect(clone.count == 1)
        #expect(clone.first?.args == [LinuxSeccompArg(index: 0, value: 0x7E02_0000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")])
        #expect(Self.rules(Self.defaults, "clone3").map { [$0.action, "\($0.errnoRet ?? 0)"] } == [["SCMP_ACT_ERRNO", "38"]])
        let s390 = RuntimeDefaultSeccomp.profile(capabilities: [], machine: "s390x")
        #expect(Self.rules(s390, "clone").first?.args?.first?.index == 1, "s390 passes the flags second")
    }

    @Test func ioUringAndNewSyscallsAreNotListed() {
        let every = RuntimeDefaultSeccomp.profile(capabilities: BundleSecurity.allCapabilities, machine: "x86_64")
        let named = Set((every.syscalls ?? []).flatMap(\.names))
        for name in ["io_uring_setup", "io_uring_enter", "io_uring_register", "mseal", "keyctl", "add_key", "userfaultfd",
                     "kexec_load", "swapon", "pivot_root"] {
            #expect(!named.contains(name), "\(name)")
        }
    }

    @Test func personalityOnlyForContainerdsValues() {
        let rules = Self.rules(Self.defaults, "personality")
        #expect(rules.allSatisfy { $0.action == "SCMP_ACT_ALLOW" && $0.names == ["personality"] && $0.args?.count == 1 })
        #expect(rules.compactMap { $0.args?.first }.allSatisfy { $0.index == 0 && $0.op == "SCMP_CMP_EQ" })
        #expect(rules.compactMap { $0.args?.first?.value } == [0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff])
    }

    @Test func socketForEveryFamilyButVsock() {
        #expect(Self.rules(Self.defaults, "socket") == [
            LinuxSyscall(names: ["socket"], action: "SCMP_ACT_ALLOW", args: [LinuxSeccompArg(index: 0, value: 40, op: "SCMP_CMP_NE")]),
        ])
    }

    @Test(arguments: [
        ("CAP_SYS_ADMIN", ["mount", "umount2", "unshare", "setns", "clone", "clone3", "bpf", "sethostname", "fsopen"]),
        ("CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise"]),
        ("CAP_SYS_BOOT", ["reboot"]),
        ("CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"]),
        ("CAP_SYS_TIME", ["settimeofday", "clock_settime"]),
        ("CAP_SYS_NICE", ["mbind", "set_mempolicy"]),
        ("CAP_SYS_RAWIO", ["iopl", "ioperm"]),
        ("CAP_SYS_PACCT", ["acct"]),
        ("CAP_SYSLOG", ["syslog"]),
        ("CAP_BPF", ["bpf"]),
        ("CAP_PERFMON", ["perf_event_open"]),
        ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
        ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
    ])
    func capabilityConditionalCallsOnlyWithTheCapability(cap: String, names: [String]) {
        let without = Self.unconditional(RuntimeDefaultSeccomp.profile(capabilities: [], machine: "x86_64"))
        let with = Self.unconditional(RuntimeDefaultSeccomp.profile(capabilities: [cap], machine: "x86_64"))
        for name in names {
            #expect(!without.contains(name) && with.contains(name), "\(cap): \(name)")
        }
    }

    @Test func sysAdminLiftsTheCloneRestriction() {
        let admin = RuntimeDefaultSeccomp.profile(capabilities: ["CAP_SYS_ADMIN"], machine: "x86_64")
        #expect(Self.rules(admin, "clone").allSatisfy { ($0.args ?? []).isEmpty })
        #expect(Self.rules(admin, "clone3").allSatisfy { $0.action == "SCMP_ACT_ALLOW" })
    }

    @Test func theDefaultCapabilitySetGrantsChrootOnly() {
        let none = Self.unconditional(RuntimeDefaultSeccomp.profile(capabilities: [], machine: "x86_64"))
        #expect(Self.unconditional(Self.defaults).subtracting(none) == ["chroot"])
    }
}
