import Glibc
import SwkSupport

/// The shim's command line; every flag but the log rotation ones is required.
struct ShimOptions {
    var runtime = ""
    var runtimeRoot = ""
    var id = ""
    var bundle = ""
    var logPath = ""
    var stateDir = ""
    /// Rotate the log once it holds this many bytes (0: never).
    var logMaxSize: Int64 = 0
    /// Log files kept, the current one included.
    var logMaxFiles = 5

    static func parse(_ args: [String]) throws(SwkError) -> ShimOptions {
        var o = ShimOptions()
        var i = 0
        while i < args.count {
            var flag = args[i]
            var value: String?
            if let eq = flag.firstIndex(of: "=") {
                value = String(flag[flag.index(after: eq)...])
                flag = String(flag[..<eq])
            } else if i + 1 < args.count {
                i += 1
                value = args[i]
            }
            guard let value else { throw SwkError(.invalidArgument, "flag \(flag) needs a value") }
            switch flag {
            case "--runtime": o.runtime = value
            case "--runtime-root": o.runtimeRoot = value
            case "--id": o.id = value
            case "--bundle": o.bundle = value
            case "--log-path": o.logPath = value
            case "--state-dir": o.stateDir = value
            case "--log-max-size":
                guard let n = Int64(value), n >= 0 else { throw SwkError(.invalidArgument, "--log-max-size: \"\(value)\" is not a byte count") }
                o.logMaxSize = n
            case "--log-max-files":
                guard let n = Int(value), n >= 2 else { throw SwkError(.invalidArgument, "--log-max-files: \"\(value)\" must be a number of at least 2") }
                o.logMaxFiles = n
            default: throw SwkError(.invalidArgument, "unknown flag \(flag)")
            }
            i += 1
        }
        for (name, v) in [("--runtime", o.runtime), ("--runtime-root", o.runtimeRoot), ("--id", o.id),
                          ("--bundle", o.bundle), ("--log-path", o.logPath), ("--state-dir", o.stateDir)]
        where v.isEmpty {
            throw SwkError(.invalidArgument, "missing flag \(name)")
        }
        return o
    }
}

/// Helpers for the status pipe between the monitor and the launcher.
enum Launcher {
    static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func report(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { FS.writeAll(fd, $0) }
    }
}
