import Glibc
import OCI
import SwkSupport

/// `process` of the config (or of `exec --process`) checked and reduced to the numbers the C
/// child needs: user ids, rlimit numbers, capability masks.
struct ProcessPlan {
    var argv: [String]
    var env: [String]
    var cwd: String
    var uid: UInt32
    var gid: UInt32
    var groups: [UInt32]
    var umask: Int32 = -1
    var rlimits: [swk_rlimit_value] = []
    var capabilities: Capabilities.Sets?
    var noNewPrivileges: Bool
    var terminal: Bool
    var consoleRows: UInt16 = 0
    var consoleCols: UInt16 = 0
    var oomScoreAdj: Int?
    var appArmorProfile: String?

    struct swk_rlimit_value {
        var resource: Int32
        var soft: UInt64
        var hard: UInt64
    }

    static let rlimitNames = [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
        "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
        "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ]

    init(_ p: Process, field: String = "process") throws(SwkError) {
        guard let args = p.args, let first = args.first, !first.isEmpty else {
            throw SwkError(.invalidArgument, "\(field).args: must name a program")
        }
        argv = args
        env = p.env ?? []
        cwd = p.cwd.isEmpty ? "/" : p.cwd
        guard cwd.hasPrefix("/") else {
            throw SwkError(.invalidArgument, "\(field).cwd: \(cwd) is not an absolute path")
        }
        uid = p.user.uid
        gid = p.user.gid
        groups = p.user.additionalGids ?? []
        if let mask = p.user.umask { umask = Int32(mask & 0o777) }
        for (i, r) in (p.rlimits ?? []).enumerated() {
            guard let number = Self.rlimitNames.firstIndex(of: r.type) else {
                throw SwkError(.invalidArgument, "\(field).rlimits[\(i)].type: unknown rlimit \"\(r.type)\"")
            }
            guard r.soft <= r.hard else {
                throw SwkError(.invalidArgument, "\(field).rlimits[\(i)]: soft \(r.soft) above hard \(r.hard)")
            }
            rlimits.append(swk_rlimit_value(resource: Int32(number), soft: r.soft, hard: r.hard))
        }
        // A confinement asked for is applied or refused, never dropped: on a host without
        // AppArmor runc and crun refuse it too.
        if let profile = p.apparmorProfile, !profile.isEmpty {
            guard Self.appArmorEnabled() else {
                throw SwkError(.failedPrecondition, "\(field).apparmorProfile \(profile): AppArmor is not enabled on this host")
            }
            appArmorProfile = profile
        }
        if let caps = p.capabilities { capabilities = try Capabilities.sets(caps, field: "\(field).capabilities") }
        noNewPrivileges = p.noNewPrivileges ?? false
        terminal = p.terminal ?? false
        if let size = p.consoleSize {
            consoleRows = UInt16(clamping: size.height)
            consoleCols = UInt16(clamping: size.width)
        }
        oomScoreAdj = p.oomScoreAdj
    }

    /// Whether the kernel runs AppArmor (what runc's apparmor.IsEnabled reads).
    static func appArmorEnabled(_ file: String = "/sys/module/apparmor/parameters/enabled") -> Bool {
        ((try? FS.readString(file)) ?? "").hasPrefix("Y")
    }

    /// PATH from the process environment, used to find argv[0] as execvp would.
    var pathEnv: String {
        env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    }

    /// Sets oom_score_adj of `pid`. Lowering it needs CAP_SYS_RESOURCE, which this host's root
    /// lacks: then the value is clamped to the lowest one allowed (the current one), not an error.
    static func setOOMScoreAdj(pid: pid_t, _ value: Int) throws(SwkError) {
        let path = "/proc/\(pid)/oom_score_adj"
        let wanted = max(-1000, min(1000, value))
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open \(path)") }
        defer { close(fd) }
        let text = Array(String(wanted).utf8)
        if text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count { return }
        let err = errno
        guard err == EACCES || err == EPERM else { throw .errno("write \(wanted) to \(path)", err) }
        let current = Int(Cgroups.trim((try? FS.readString(path)) ?? "")) ?? wanted
        if wanted > current { throw .errno("write \(wanted) to \(path)", err) }
    }
}
