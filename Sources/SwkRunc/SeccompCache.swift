import CSeccomp
import Glibc
import OCI
import SwkSupport

/// Compiled seccomp filters kept under `<root>/.seccomp/<sha256>.bpf`, named by the SHA-256 of
/// everything the BPF is made from: the profile (its flags apart, which apply at load time),
/// libseccomp's version and the native architecture. libseccomp takes ~6 ms to compile an
/// allow-list like RuntimeDefault for three architectures (docs/executor.md); a hit is one small
/// read. The files are private to the runtime's user (0600 in a 0700 directory, written to a temp
/// name and renamed); a file or directory anyone else could have written is not trusted, and a
/// failure to write the cache only loses the speed-up.
enum SeccompCache {
    /// Part of every key: bump it when `Seccomp.bpf` changes what it makes of a profile.
    static let format = "swkube-seccomp-2"

    static func program(_ config: LinuxSeccomp, root: String) throws(SwkError) -> Seccomp.Program {
        let flags = try Seccomp.flags(config)
        let dir = "\(root)/.seccomp"
        let path = "\(dir)/\(key(config)).bpf"
        if isPrivate(dir, directory: true), let bpf = read(path) { return Seccomp.Program(bpf: bpf, flags: flags) }
        let bpf = try Seccomp.bpf(config)
        if (try? FS.makeDirectories(dir, mode: 0o700)) != nil, isPrivate(dir, directory: true) {
            try? FS.writeAtomic(path, bpf, mode: 0o600, sync: true)
        }
        return Seccomp.Program(bpf: bpf, flags: flags)
    }

    /// Each field length-prefixed, so no two profiles share a key text.
    static func key(_ config: LinuxSeccomp) -> String {
        var text = ""
        func field(_ value: String) { text += "\(value.utf8.count):\(value);" }
        field(format)
        if let v = seccomp_version() { field("\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)") }
        field(String(seccomp_arch_native()))
        field(config.defaultAction)
        field(config.defaultErrnoRet.map { String($0) } ?? "-")
        let arches = config.architectures ?? []
        field(String(arches.count))
        arches.forEach(field)
        let rules = config.syscalls ?? []
        field(String(rules.count))
        for rule in rules {
            field(rule.action)
            field(rule.errnoRet.map { String($0) } ?? "-")
            field(String(rule.names.count))
            rule.names.forEach(field)
            let args = rule.args ?? []
            field(String(args.count))
            for a in args { field("\(a.index) \(a.op) \(a.value) \(a.valueTwo.map { String($0) } ?? "-")") }
        }
        return SHA256.hex(Array(text.utf8))
    }

    /// Owned by us and writable by no one else (a directory), readable by no one else (a file).
    private static func isPrivate(_ path: String, directory: Bool) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_uid == geteuid() else { return false }
        let type = st.st_mode & S_IFMT
        return directory ? type == S_IFDIR && st.st_mode & 0o022 == 0 : type == S_IFREG && st.st_mode & 0o077 == 0
    }

    /// A cached program, or nil when absent, not private, or not whole BPF instructions.
    private static func read(_ path: String) -> [UInt8]? {
        guard isPrivate(path, directory: false), let bytes = try? FS.readBytes(path),
              !bytes.isEmpty, bytes.count % 8 == 0, bytes.count / 8 <= Int(UInt16.max) else { return nil }
        return bytes
    }
}
