/// Time formatting as kubectl does it, over Unix nanoseconds (no Foundation).
enum TimeText {
    static let nanosPerSecond: Int64 = 1_000_000_000

    /// kubectl's AGE (apimachinery `duration.HumanDuration`): `45s`, `3m2s`, `15m`, `5h3m`, `30h`,
    /// `2d3h`, `20d`, `2y30d`; a clock up to a second behind reads `0s`.
    static func humanDuration(nanos: Int64) -> String {
        let seconds = nanos / nanosPerSecond
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let s = seconds % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let d = (hours / 24) % 365
            return d == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(d)d"
        }
        return "\(hours / 24 / 365)y"
    }

    /// The age of a timestamp, `<unknown>` for an unset one (kubectl's translateTimestampSince).
    static func since(_ t: Int64, now: Int64) -> String {
        t == 0 ? "<unknown>" : humanDuration(nanos: now - t)
    }

    /// `2026-12-01T01:46:30Z`, the form of Kubernetes' metav1.Time in JSON.
    static func rfc3339(_ t: Int64) -> String {
        let c = Civil(seconds: floorDiv(t, nanosPerSecond))
        return "\(c.year)-\(pad2(c.month))-\(pad2(c.day))T\(pad2(c.hour)):\(pad2(c.minute)):\(pad2(c.second))Z"
    }

    /// `Tue, 01 Dec 2026 01:46:30 +0000` (Go's RFC1123Z, what `describe` prints), at a UTC offset.
    static func rfc1123z(_ t: Int64, utcOffset: Int) -> String {
        let c = Civil(seconds: floorDiv(t, nanosPerSecond) + Int64(utcOffset))
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let sign = utcOffset < 0 ? "-" : "+"
        let off = abs(utcOffset) / 60
        return "\(days[c.weekday]), \(pad2(c.day)) \(months[c.month - 1]) \(c.year) "
            + "\(pad2(c.hour)):\(pad2(c.minute)):\(pad2(c.second)) \(sign)\(pad2(off / 60))\(pad2(off % 60))"
    }

    private static func pad2<T: BinaryInteger>(_ n: T) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// A calendar date and time of day from Unix seconds (Howard Hinnant's days_from_civil inverse).
    private struct Civil {
        var year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int

        init(seconds: Int64) {
            let days = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
            let secs = Int(seconds - days * 86_400)
            hour = secs / 3600
            minute = secs / 60 % 60
            second = secs % 60
            weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            day = Int(doy - (153 * mp + 2) / 5 + 1)
            month = Int(mp < 10 ? mp + 3 : mp - 9)
            year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        }
    }
}
