import Glibc
import OCI
import SwkSupport

/// What swkube-runc remembers about a container, in `<root>/<id>/state.json` (written atomically).
/// The status is never stored: it is derived from the process (pid *and* its start time, so a
/// reused pid reads as stopped), the exec FIFO (present until `start`) and the freezer.
struct ContainerRecord: Decodable {
    var id: String
    var pid: Int32
    /// Field 22 of /proc/<pid>/stat when the container was created.
    var startTime: UInt64
    var bundle: String
    var rootfs: String
    var created: String
    var annotations: [String: String]?
    var cgroupPath: String
    /// The config as created (its JSON kept verbatim), for hooks, exec and delete.
    var config: Spec
}

enum Status: String {
    case created, running, stopped, paused
}

struct StateDir {
    var root: String
    var id: String

    var path: String { "\(root)/\(id)" }
    var statePath: String { "\(path)/state.json" }
    var fifoPath: String { "\(path)/exec.fifo" }

    static func validate(id: String) throws(SwkError) {
        guard !id.isEmpty, id != ".", id != "..", !id.contains("/"), id.utf8.count <= 1024 else {
            throw SwkError(.invalidArgument, "invalid container id \"\(id)\"")
        }
    }

    var exists: Bool { FS.exists(statePath) || FS.isDirectory(path) }

    func load() throws(SwkError) -> ContainerRecord {
        guard FS.exists(statePath) else { throw SwkError(.notFound, "container \(id) does not exist") }
        return try Config.decode(ContainerRecord.self, path: statePath)
    }

    func save(_ r: ContainerRecord, rawConfig: [UInt8]) throws(SwkError) {
        let head = JSONText.object([
            ("id", JSONText.quote(r.id)), ("pid", String(r.pid)), ("startTime", String(r.startTime)),
            ("bundle", JSONText.quote(r.bundle)), ("rootfs", JSONText.quote(r.rootfs)),
            ("created", JSONText.quote(r.created)), ("annotations", JSONText.stringMap(r.annotations ?? [:])),
            ("cgroupPath", JSONText.quote(r.cgroupPath)),
        ])
        let bytes = Array(head.dropLast().utf8) + Array(",\"config\":".utf8) + rawConfig + Array("}\n".utf8)
        try FS.writeAtomic(statePath, bytes, mode: 0o600)
    }
}

enum ProcessInfo {
    /// Start time (field 22) and state letter (field 3) of /proc/<pid>/stat, or nil when gone.
    static func stat(_ pid: Int32) -> (startTime: UInt64, state: Character)? {
        guard pid > 0, let text = try? FS.readString("/proc/\(pid)/stat") else { return nil }
        // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ")
        guard rest.count > 19, let state = rest[0].first, let start = UInt64(rest[19]) else { return nil }
        return (start, state)
    }

    static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        guard let s = stat(pid) else { return false }
        return s.startTime == startTime && s.state != "Z" && s.state != "X"
    }

    /// Polls until the process is gone or a zombie (its parent, not us, reaps it), up to `seconds`.
    static func waitGone(_ pid: Int32, startTime: UInt64, seconds: Int) -> Bool {
        for _ in 0..<(seconds * 1000) {
            if !isAlive(pid, startTime: startTime) { return true }
            var ts = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&ts, nil)
        }
        return false
    }
}

extension ContainerRecord {
    func cgroup(_ host: Cgroups.Host) -> Cgroups.Container {
        Cgroups.Container(host: host, path: cgroupPath)
    }

    func status(in dir: StateDir, host: Cgroups.Host) -> Status {
        guard ProcessInfo.isAlive(pid, startTime: startTime) else { return .stopped }
        if FS.exists(dir.fifoPath) { return .created }
        return Cgroups.isFrozen(cgroup(host)) ? .paused : .running
    }

    func ociState(_ status: Status) -> State {
        State(id: id, pid: status == .stopped ? 0 : pid, status: status.rawValue, bundle: bundle,
              rootfs: rootfs, created: created, annotations: annotations)
    }
}
