import CSeccomp
import CSwkSys
import Glibc
import OCI
import SwkSupport

/// `linux.seccomp` compiled with libseccomp in the runtime and exported as BPF; the C child loads
/// it with seccomp(2), so no libseccomp code runs in the container.
enum Seccomp {
    struct Program {
        var bpf: [UInt8]
        var flags: UInt32
    }

    static func action(_ name: String, errnoRet: UInt32?, defaultErrno: UInt32?, field: String) throws(SwkError) -> UInt32 {
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return 0x0000_0000
        case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
        case "SCMP_ACT_TRAP": return 0x0003_0000
        case "SCMP_ACT_ERRNO": return 0x0005_0000 | ((errnoRet ?? defaultErrno ?? UInt32(EPERM)) & 0xffff)
        case "SCMP_ACT_TRACE": return 0x7ff0_0000 | ((errnoRet ?? defaultErrno ?? UInt32(EPERM)) & 0xffff)
        case "SCMP_ACT_LOG": return 0x7ffc_0000
        case "SCMP_ACT_ALLOW": return 0x7fff_0000
        default: throw SwkError(.invalidArgument, "config.json: \(field): unsupported seccomp action \"\(name)\"")
        }
    }

    static let operators: [String: UInt32] = [
        "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4, "SCMP_CMP_GE": 5,
        "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7,
    ]

    static let flagBits: [String: UInt32] = [
        "SECCOMP_FILTER_FLAG_TSYNC": 1, "SECCOMP_FILTER_FLAG_LOG": 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
    ]

    /// The filter flags, checked on every load (they are not part of the cached program).
    static func flags(_ config: LinuxSeccomp) throws(SwkError) -> UInt32 {
        var flags: UInt32 = 0
        for (i, name) in (config.flags ?? []).enumerated() {
            guard let bit = flagBits[name] else {
                throw SwkError(.invalidArgument, "config.json: linux.seccomp.flags[\(i)]: unknown flag \"\(name)\"")
            }
            flags |= bit
        }
        return flags
    }

    /// The profile as BPF for every architecture it names (the native one is always included).
    /// A name libseccomp does not know is skipped, as runc does; a name that exists on some of the
    /// architectures only (socketcall, arch_prctl) gets rules on those, through libseccomp's
    /// pseudo-syscall numbers. Calls newer than any the profile names answer ENOSYS (see
    /// `newerCallsStub`). What this makes of a profile is cached: a change here must bump
    /// `SeccompCache.format`.
    static func bpf(_ config: LinuxSeccomp) throws(SwkError) -> [UInt8] {
        let defaultAction = try action(config.defaultAction, errnoRet: config.defaultErrnoRet, defaultErrno: nil,
                                       field: "linux.seccomp.defaultAction")
        guard let ctx = seccomp_init(defaultAction) else {
            throw SwkError(.invalidArgument, "config.json: linux.seccomp.defaultAction: libseccomp refused \(config.defaultAction)")
        }
        defer { seccomp_release(ctx) }
        var arches = [seccomp_arch_native()]
        for (i, arch) in (config.architectures ?? []).enumerated() {
            let name = arch.hasPrefix("SCMP_ARCH_") ? String(arch.dropFirst(10)).lowercased() : arch.lowercased()
            let token = seccomp_arch_resolve_name(name)
            guard token != 0 else {
                throw SwkError(.invalidArgument, "config.json: linux.seccomp.architectures[\(i)]: unknown architecture \"\(arch)\"")
            }
            let rc = seccomp_arch_add(ctx, token)
            guard rc == 0 || rc == -EEXIST else { throw .errno("seccomp add architecture \(arch)", -rc) }
            if !arches.contains(token) { arches.append(token) }
        }
        for (i, rule) in (config.syscalls ?? []).enumerated() {
            let field = "linux.seccomp.syscalls[\(i)]"
            let act = try action(rule.action, errnoRet: rule.errnoRet, defaultErrno: config.defaultErrnoRet, field: "\(field).action")
            if act == defaultAction { continue }
            var args: [scmp_arg_cmp] = []
            for (j, arg) in (rule.args ?? []).enumerated() {
                guard let op = operators[arg.op] else {
                    throw SwkError(.invalidArgument, "config.json: \(field).args[\(j)].op: unknown operator \"\(arg.op)\"")
                }
                args.append(scmp_arg_cmp(arg: UInt32(arg.index), op: scmp_compare(rawValue: op),
                                         datum_a: arg.value, datum_b: arg.valueTwo ?? 0))
            }
            // libseccomp refuses two comparisons of one argument in a rule (EINVAL); such a rule
            // means "any of them" (runc and crun add one rule per comparison), so split it.
            let indexes = args.map(\.arg)
            let groups = Set(indexes).count == indexes.count ? [args] : args.map { [$0] }
            for name in rule.names {
                let nr = seccomp_syscall_resolve_name(name)
                if nr == __NR_SCMP_ERROR { continue }  // unknown on this kernel/arch: runc skips it too
                for group in groups {
                    let rc = group.withUnsafeBufferPointer {
                        seccomp_rule_add_array(ctx, act, nr, UInt32($0.count), $0.baseAddress)
                    }
                    guard rc == 0 else { throw .errno("config.json: \(field): seccomp rule for \(name)", -rc) }
                }
            }
        }
        let program = newerCallsStub(config, arches: arches, defaultAction: defaultAction) + (try export(ctx))
        guard program.count / 8 <= 4096 else {  // BPF_MAXINSNS
            throw SwkError(.invalidArgument, "config.json: linux.seccomp: the filter has \(program.count / 8) instructions, more than the kernel's 4096")
        }
        return program
    }

    private static func export(_ ctx: scmp_filter_ctx) throws(SwkError) -> [UInt8] {
        let fd = swk_memfd_create("swkube-seccomp")
        guard fd >= 0 else { throw .errno("memfd_create") }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else { throw .errno("export seccomp filter", -rc) }
        let size = Int(lseek(fd, 0, SEEK_CUR))
        var out = [UInt8](repeating: 0, count: size)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        guard n == size else { throw .errno("read seccomp filter") }
        return out
    }
}
