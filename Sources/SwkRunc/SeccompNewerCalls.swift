import CSeccomp
import Glibc
import OCI

extension Seccomp {
    /// runc's ENOSYS stub (libcontainer/seccomp/patchbpf), before libseccomp's program: on each
    /// architecture of the filter, a syscall number above every one the profile names answers
    /// ENOSYS instead of the default action. A call the kernel gained after the profile was
    /// written then looks absent, and libc falls back to the older call it replaces (clone3 →
    /// clone, fchmodat2 → fchmodat) instead of failing with EPERM. Nothing for profiles that
    /// allow by default, or whose default already is ENOSYS; empty when no name resolves.
    static func newerCallsStub(_ config: LinuxSeccomp, arches: [UInt32], defaultAction: UInt32) -> [UInt8] {
        let enosys = 0x0005_0000 | UInt32(ENOSYS)
        guard defaultAction != 0x7fff_0000, defaultAction != 0x7ffc_0000, defaultAction != enosys else { return [] }
        let names = Set((config.syscalls ?? []).flatMap(\.names))
        func highest(_ arch: UInt32) -> UInt32? {
            names.compactMap { name -> UInt32? in
                let nr = seccomp_syscall_resolve_name_arch(arch, name)
                return nr >= 0 ? UInt32(nr) : nil  // negative: unknown, or a pseudo number (not on this arch)
            }.max()
        }
        let x32Bit: UInt32 = 0x4000_0000
        let archX86_64: UInt32 = 0xC000_003E, archX32: UInt32 = 0x4000_003E  // AUDIT_ARCH_X86_64, SCMP_ARCH_X32
        let x32 = arches.contains(archX32) ? highest(archX32) : nil
        // x32 calls arrive as AUDIT_ARCH_X86_64 with the x32 bit set in the number.
        let checked = arches.filter { $0 != archX32 }.compactMap { arch in highest(arch).map { (arch, $0) } }
        guard !checked.isEmpty else { return [] }

        // Layout: load arch; one jeq per architecture; ja filter; per architecture a block that
        // loads the number and compares; ret ENOSYS; then libseccomp's program.
        func blockLength(_ arch: UInt32) -> Int { arch == archX86_64 && x32 != nil ? 4 : 2 }
        let dispatch = 1 + checked.count + 1
        let enosysAt = dispatch + checked.reduce(0) { $0 + blockLength($1.0) }
        var code: [(UInt16, Int, Int, UInt32)] = [(0x20, 0, 0, 4)]  // ld [4]: arch
        var blockAt = dispatch
        for (i, (arch, _)) in checked.enumerated() {
            let at = 1 + i
            code.append((0x15, blockAt - at - 1, 0, arch))  // jeq arch → its block
            blockAt += blockLength(arch)
        }
        code.append((0x05, 0, 0, UInt32(enosysAt + 1 - dispatch)))  // ja → libseccomp's program
        for (arch, last) in checked {
            code.append((0x20, 0, 0, 0))  // ld [0]: the number
            if arch == archX86_64, let x32 {
                let at = code.count
                code.append((0x35, 0, 1, x32Bit))  // jge x32 bit → the x32 comparison, else the native one
                code.append((0x25, enosysAt - at - 2, enosysAt - at - 1, x32))
            }
            let at = code.count
            code.append((0x25, enosysAt - at - 1, enosysAt - at, last))  // jgt last → ENOSYS, else the program
        }
        code.append((0x06, 0, 0, enosys))  // ret ERRNO(ENOSYS)
        var out: [UInt8] = []
        for (op, jt, jf, k) in code {
            out += [UInt8(op & 0xff), UInt8(op >> 8), UInt8(jt), UInt8(jf)]
            out += [UInt8(k & 0xff), UInt8(k >> 8 & 0xff), UInt8(k >> 16 & 0xff), UInt8(k >> 24)]
        }
        return out
    }
}
