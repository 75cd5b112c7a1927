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

extension TimeText {
    /// Unix nanoseconds of an RFC 3339 time (`2026-12-01T11:59:58.123456789Z`, or with a
    /// `+01:00` offset), as CRI log lines carry them; nil when it is not one.
    static func parseRFC3339(_ s: Substring) -> Int64? {
        let u = Array(s.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= u.count else { return nil }
            var n: Int64 = 0
            for b in u[from..<(from + count)] {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                n = n * 10 + Int64(b - 0x30)
            }
            return n
        }
        guard u.count >= 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month) else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                if digits < 9 { fraction = fraction * 10 + Int64(u[i] - 0x30) }
                digits += 1
                i += 1
            }
            for _ in min(digits, 9)..<9 { fraction *= 10 }
        }
        var offset: Int64 = 0
        guard i < u.count else { return nil }
        if u[i] == UInt8(ascii: "Z") {
            i += 1
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard let h = number(i + 1, 2), let m = number(i + 4, 2) else { return nil }
            offset = (h * 60 + m) * 60 * (u[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        // days_from_civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * nanosPerSecond + fraction
    }

    /// Nanoseconds of a Go duration (`5m`, `1h30m`, `10s`, `250ms`), as `--since` takes it.
    static func parseDuration(_ s: String) -> Int64? {
        // "ms" before "m": the first unit that prefixes the rest wins.
        let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000),
                                        ("s", nanosPerSecond), ("m", 60 * nanosPerSecond), ("h", 3600 * nanosPerSecond)]
        var rest = Substring(s)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else {
                return nil
            }
            rest = rest.dropFirst(unit.count)
            total += Int64(value * Double(scale))
        }
        return total
    }
}
