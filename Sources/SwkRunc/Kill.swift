import Glibc
import SwkSupport

/// `kill [--all] ID [SIGNAL]`: the init (or, with --all, every process of the cgroup).
enum KillCommand {
    static let shape = Arguments.Shape(boolean: ["all"], aliases: ["a": "all"])

    static let names: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8,
        "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
        "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22,
        "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29,
        "POLL": 29, "PWR": 30, "SYS": 31,
    ]

    static func signal(_ text: String) throws(SwkError) -> Int32 {
        if let n = Int32(text), n > 0, n < 65 { return n }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let n = names[name] { return n }
        if name.hasPrefix("RTMIN+"), let off = Int32(name.dropFirst(6)), off >= 0, off <= 30 { return 34 + off }
        if name.hasPrefix("RTMAX-"), let off = Int32(name.dropFirst(6)), off >= 0, off <= 30 { return 64 - off }
        throw SwkError(.invalidArgument, "unknown signal \"\(text)\"")
    }

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "kill")[0]
        let sig = try signal(a.positional.count > 1 ? a.positional[1] : "TERM")
        let dir = try ctx.dir(id)
        let record = try dir.load()
        let host = Cgroups.Host.current
        let status = record.status(in: dir, host: host)
        if a.has("all") {
            let cgroup = record.cgroup(host)
            for pid in Cgroups.pids(cgroup) { Glibc.kill(pid, sig) }
            // Frozen processes only act on the signal once thawed (SIGKILL included).
            if status == .paused && sig == SIGKILL { try Cgroups.setFrozen(cgroup, false) }
            return 0
        }
        guard status != .stopped else { throw SwkError(.failedPrecondition, "container \(id) is not running") }
        guard Glibc.kill(record.pid, sig) == 0 else { throw .errno("kill container \(id) (pid \(record.pid))") }
        return 0
    }
}
