import CSeccomp
import Glibc
import OCI
import SwkSupport
@testable import SwkRunc
import Testing
import TestSupport

/// `linux.seccomp` → BPF for several architectures, and the content-addressed cache of it.
struct SeccompCompileTests {
    /// An allow-list in the shape of containerd's: three x86 ABIs, names that exist on one of
    /// them only, names this libseccomp has never heard of, argument rules.
    static let profile: LinuxSeccomp = {
        var p = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: [
            LinuxSyscall(names: ["read", "write", "exit_group", "socketcall", "mmap2", "arch_prctl", "set_tls",
                                 "no_such_call_ever"], action: "SCMP_ACT_ALLOW"),
            LinuxSyscall(names: ["socket"], action: "SCMP_ACT_ALLOW", args: [LinuxSeccompArg(index: 0, value: 40, op: "SCMP_CMP_NE")]),
            LinuxSyscall(names: ["personality"], action: "SCMP_ACT_ALLOW", args: [LinuxSeccompArg(index: 0, value: 8, op: "SCMP_CMP_EQ")]),
            LinuxSyscall(names: ["clone"], action: "SCMP_ACT_ALLOW",
                         args: [LinuxSeccompArg(index: 0, value: 0x7E02_0000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")]),
            LinuxSyscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38),
        ])
        p.defaultErrnoRet = 1
        p.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        return p
    }()

    /// The constants of the program's `jeq #k` instructions.
    static func comparedConstants(_ bpf: [UInt8]) -> Set<UInt32> {
        var out: Set<UInt32> = []
        for i in stride(from: 0, to: bpf.count, by: 8) where UInt16(bpf[i]) | UInt16(bpf[i + 1]) << 8 == 0x15 {
            out.insert(UInt32(bpf[i + 4]) | UInt32(bpf[i + 5]) << 8 | UInt32(bpf[i + 6]) << 16 | UInt32(bpf[i + 7]) << 24)
        }
        return out
    }

    @Test(.enabled(if: SeccompCompileTests.isX86_64, "the architecture constants are x86's"))
    func severalArchitecturesArgumentRulesAndUnknownNamesCompile() throws {
        let bpf = try Seccomp.bpf(Self.profile)
        #expect(!bpf.isEmpty && bpf.count % 8 == 0)
        let constants = Self.comparedConstants(bpf)
        #expect(constants.contains(0xC000_003E), "AUDIT_ARCH_X86_64")
        #expect(constants.contains(0x4000_0003), "AUDIT_ARCH_I386")
        #expect(constants.contains(40), "the AF_VSOCK comparison")
        var one = Self.profile
        one.architectures = nil
        #expect(try Seccomp.bpf(one).count < bpf.count, "the compat ABIs add code")
        one.architectures = ["SCMP_ARCH_VAX"]
        #expect(throws: SwkError.self) { try Seccomp.bpf(one) }
    }

    static var isX86_64: Bool {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } == "x86_64"
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func cacheKeyFollowsWhatTheProgramIsMadeOf() {
        let base = SeccompCache.key(Self.profile)
        var flagged = Self.profile
        flagged.flags = ["SECCOMP_FILTER_FLAG_LOG"]
        #expect(SeccompCache.key(flagged) == base, "flags apply at load time")
        var errno = Self.profile
        errno.defaultErrnoRet = 38
        var arches = Self.profile
        arches.architectures = ["SCMP_ARCH_X86_64"]
        var renamed = Self.profile
        renamed.syscalls?[0].names = ["readwrite"]
        var split = Self.profile
        split.syscalls?[0].names = ["read", "write"]
        let keys = [base, SeccompCache.key(errno), SeccompCache.key(arches), SeccompCache.key(renamed), SeccompCache.key(split)]
        #expect(Set(keys).count == keys.count)
    }

    @Test func compiledProgramIsCachedPrivatelyAndOnlyTrustedWhenPrivate() throws {
        let root = try makeTempDir("seccomp-cache")
        defer { try? FS.removeTree(root) }
        let compiled = try Seccomp.bpf(Self.profile)
        let first = try SeccompCache.program(Self.profile, root: root)
        #expect(first.bpf == compiled)
        let path = "\(root)/.seccomp/\(SeccompCache.key(Self.profile)).bpf"
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat("\(root)/.seccomp", &st) == 0 && st.st_mode & 0o777 == 0o700)
        #expect(try FS.readBytes(path) == compiled)

        // A hit is read, not recompiled: a private file is taken as it is…
        let marker = [UInt8](repeating: 0x06, count: 8)  // one `ret #0` instruction
        try FS.writeAtomic(path, marker, mode: 0o600)
        #expect(try SeccompCache.program(Self.profile, root: root).bpf == marker)
        // …one another user could have written is ignored and replaced.
        #expect(chmod(path, 0o644) == 0)
        #expect(try SeccompCache.program(Self.profile, root: root).bpf == compiled)
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(try FS.readBytes(path) == compiled)
        // So is everything in a directory others may write to.
        try FS.writeAtomic(path, marker, mode: 0o600)
        #expect(chmod("\(root)/.seccomp", 0o777) == 0)
        #expect(try SeccompCache.program(Self.profile, root: root).bpf == compiled)
    }
}

/// A classic-BPF interpreter for the instructions libseccomp and the ENOSYS stub emit, run on a
/// `seccomp_data` (nr, arch, args): what the kernel would answer, without loading anything.
struct SeccompBPF {
    let program: [(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)]

    init(_ bytes: [UInt8]) {
        var program: [(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)] = []
        for i in stride(from: 0, to: bytes.count, by: 8) {
            let code = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
            var k: UInt32 = 0
            for j in 0..<4 { k |= UInt32(bytes[i + 4 + j]) << UInt32(8 * j) }
            program.append((code, bytes[i + 2], bytes[i + 3], k))
        }
        self.program = program
    }

    /// The filter's return value; nil on an instruction this interpreter does not know.
    func run(nr: UInt32, arch: UInt32, args: [UInt64] = []) -> UInt32? {
        func word(_ offset: UInt32) -> UInt32 {
            switch offset {
            case 0: return nr
            case 4: return arch
            case 16..<64:
                let i = Int(offset - 16) / 8
                let value = i < args.count ? args[i] : 0
                return offset % 8 == 0 ? UInt32(truncatingIfNeeded: value) : UInt32(truncatingIfNeeded: value >> 32)
            default: return 0
            }
        }
        var a: UInt32 = 0, x: UInt32 = 0, pc = 0
        var mem = [UInt32](repeating: 0, count: 16)
        while pc < program.count {
            let (code, jt, jf, k) = program[pc]
            pc += 1
            switch code {
            case 0x20: a = word(k)
            case 0x00: a = k
            case 0x01: x = k
            case 0x60: a = mem[Int(k)]
            case 0x61: x = mem[Int(k)]
            case 0x02: mem[Int(k)] = a
            case 0x03: mem[Int(k)] = x
            case 0x54: a &= k
            case 0x07: x = a
            case 0x87: a = x
            case 0x05: pc += Int(k)
            case 0x15: pc += Int(a == k ? jt : jf)
            case 0x25: pc += Int(a > k ? jt : jf)
            case 0x35: pc += Int(a >= k ? jt : jf)
            case 0x45: pc += Int(a & k != 0 ? jt : jf)
            case 0x1d: pc += Int(a == x ? jt : jf)
            case 0x2d: pc += Int(a > x ? jt : jf)
            case 0x3d: pc += Int(a >= x ? jt : jf)
            case 0x06: return k
            case 0x16: return a
            default: return nil
            }
        }
        return nil
    }
}

extension SeccompCompileTests {
    static let x86_64: UInt32 = 0xC000_003E, i386: UInt32 = 0x4000_0003
    static let allow: UInt32 = 0x7fff_0000, eperm: UInt32 = 0x0005_0001, enosys: UInt32 = 0x0005_0026

    @Test(.enabled(if: SeccompCompileTests.isX86_64, "syscall numbers are x86's"))
    func theFilterAnswersAsTheProfileSays() throws {
        let f = SeccompBPF(try Seccomp.bpf(Self.profile))
        #expect(f.run(nr: 0, arch: Self.x86_64) == Self.allow, "read")
        #expect(f.run(nr: 158, arch: Self.x86_64) == Self.allow, "arch_prctl")
        #expect(f.run(nr: 3, arch: Self.i386) == Self.allow, "i386 read")
        #expect(f.run(nr: 102, arch: Self.i386) == Self.allow, "i386 socketcall")
        #expect(f.run(nr: 0x4000_0000, arch: Self.x86_64) == Self.allow, "x32 read")
        #expect(f.run(nr: 2, arch: Self.x86_64) == Self.eperm, "open: not listed")
        #expect(f.run(nr: 41, arch: Self.x86_64, args: [40, 1, 0]) == Self.eperm, "socket(AF_VSOCK)")
        #expect(f.run(nr: 41, arch: Self.x86_64, args: [1, 1, 0]) == Self.allow, "socket(AF_UNIX)")
        #expect(f.run(nr: 135, arch: Self.x86_64, args: [8]) == Self.allow, "personality(UNAME26)")
        #expect(f.run(nr: 135, arch: Self.x86_64, args: [0x40_0000]) == Self.eperm, "personality(READ_IMPLIES_EXEC)")
        #expect(f.run(nr: 56, arch: Self.x86_64, args: [0x11]) == Self.allow, "clone(SIGCHLD)")
        #expect(f.run(nr: 56, arch: Self.x86_64, args: [0x1000_0011]) == Self.eperm, "clone(CLONE_NEWUSER)")
        #expect(f.run(nr: 435, arch: Self.x86_64) == Self.enosys, "clone3")
        // Above the highest number the profile names (clone3, 435): ENOSYS, on every ABI.
        #expect(f.run(nr: 462, arch: Self.x86_64) == Self.enosys, "mseal")
        #expect(f.run(nr: 0x4000_0000 | 462, arch: Self.x86_64) == Self.enosys, "x32 mseal")
        #expect(f.run(nr: 462, arch: Self.i386) == Self.enosys, "i386 mseal")
        #expect(f.run(nr: 0xffff_ffff, arch: Self.x86_64) == Self.enosys, "syscall(-1)")
        #expect(f.run(nr: 0, arch: 0xC000_00B7) == 0, "another architecture is killed")
    }

    @Test func noStubWhenTheDefaultAllowsOrIsAlreadyENOSYS() throws {
        var allowing = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW",
                                    syscalls: [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO")])
        #expect(SeccompBPF(try Seccomp.bpf(allowing)).run(nr: 462, arch: Self.x86_64) == Self.allow)
        allowing.defaultAction = "SCMP_ACT_ERRNO"
        allowing.defaultErrnoRet = 38
        let native = seccomp_arch_native()
        #expect(Seccomp.newerCallsStub(allowing, arches: [native], defaultAction: Self.enosys).isEmpty)
        allowing.defaultErrnoRet = 1
        #expect(!Seccomp.newerCallsStub(allowing, arches: [native], defaultAction: Self.eperm).isEmpty)
    }
}
