import Glibc
import OCI
import SwkSupport
@testable import SwkRunc
import Testing

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
        let root = try makeTempDirectory("seccomp-cache")
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
