import Glibc
import SwkSupport

/// Where swkube-runc reports: stderr always, and the `--log` file in runc's text or JSON-lines
/// format (containerd's shim reads the last `"level":"error"` line of log.json for its message).
struct RuncLog {
    var path: String?
    var json = false
    var debugEnabled = false

    func error(_ message: String) {
        let line = "swkube-runc: \(message)\n"
        _ = Array(line.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
        append(level: "error", message)
    }

    func warning(_ message: String) {
        let line = "swkube-runc: warning: \(message)\n"
        _ = Array(line.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
        append(level: "warning", message)
    }

    func debug(_ message: String) {
        guard debugEnabled else { return }
        append(level: "debug", message)
    }

    private func append(level: String, _ message: String) {
        guard let path else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let time = Timestamp.now().rfc3339
        let line = json
            ? "{\"level\":\"\(level)\",\"msg\":\(JSONText.quote(message)),\"time\":\"\(time)\"}\n"
            : "time=\"\(time)\" level=\(level) msg=\(JSONText.quote(message))\n"
        _ = Array(line.utf8).withUnsafeBytes { FS.writeAll(fd, $0) }
    }
}

/// Wall-clock time as runc prints it: RFC 3339 with nanoseconds, UTC.
struct Timestamp {
    var seconds: Int
    var nanoseconds: Int

    static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: ts.tv_sec, nanoseconds: ts.tv_nsec)
    }

    var rfc3339: String {
        var t = time_t(seconds)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let frac = String(nanoseconds)
        let nanos = String(repeating: "0", count: max(0, 9 - frac.count)) + frac
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(nanos)Z"
    }
}

enum JSONText {
    /// `{"k":v,…}` from already-encoded values, in the order given.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func stringMap(_ map: [String: String]) -> String {
        object(map.sorted { $0.key < $1.key }.map { ($0.key, quote($0.value)) })
    }

    /// A JSON string literal for `s`.
    static func quote(_ s: String) -> String {
        jsonQuoted(s)
    }
}
