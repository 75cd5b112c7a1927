import Glibc

/// Facts about processes read from /proc, without spawning anything.
public enum Proc {
    /// The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), nil when
    /// the process does not exist or is a zombie. A pid paired with its start time names one
    /// process for good: a reused pid has another start time.
    public static func startTime(_ pid: pid_t) -> UInt64? {
        guard pid > 0, let text = try? FS.readString("/proc/\(pid)/stat"),
              let close = text.lastIndex(of: ")") else { return nil }
        // After the command name: state is field 3, start time is field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// Whether `pid` is still the process that started at `startTime`.
    public static func isAlive(_ pid: pid_t, startTime: UInt64) -> Bool {
        Proc.startTime(pid) == startTime
    }

    /// Nanoseconds since the Unix epoch.
    public static func realtimeNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
