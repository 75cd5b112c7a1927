import Glibc
import SwkSupport

/// Writes one stream of a container into a CRI log file:
/// `<RFC3339Nano timestamp> stdout|stderr F|P <line>\n`. A line longer than `maxLine` bytes is
/// written as `P` (partial) pieces followed by the final `F` piece, as containerd does.
public struct CRILogStream {
    public let stream: String
    public let maxLine: Int
    private var pending: [UInt8] = []

    public init(stream: String, maxLine: Int = 16 * 1024) {
        self.stream = stream
        self.maxLine = maxLine
    }

    /// Splits `chunk` into log records appended to `out`.
    public mutating func feed(_ chunk: ArraySlice<UInt8>, into out: inout [UInt8]) {
        let stamp = CRILogStream.timestamp()
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                append(tag: "F", stamp: stamp, into: &out)
            } else {
                pending.append(byte)
                if pending.count >= maxLine { append(tag: "P", stamp: stamp, into: &out) }
            }
        }
    }

    /// At end of stream an unterminated last line is still a whole line.
    public mutating func finish(into out: inout [UInt8]) {
        if !pending.isEmpty { append(tag: "F", stamp: CRILogStream.timestamp(), into: &out) }
    }

    private mutating func append(tag: String, stamp: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: stamp)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: stream.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: tag.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: pending)
        out.append(UInt8(ascii: "\n"))
        pending.removeAll(keepingCapacity: true)
    }

    /// Now as RFC 3339 with nanoseconds in UTC (`2026-12-01T02:03:04.000000005Z`).
    public static func timestamp() -> [UInt8] {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var secs = ts.tv_sec
        var t = tm()
        gmtime_r(&secs, &t)
        var out: [UInt8] = []
        out.reserveCapacity(30)
        func digits(_ value: Int, _ width: Int) {
            var d = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var v = value
            for i in stride(from: width - 1, through: 0, by: -1) {
                d[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            out.append(contentsOf: d)
        }
        digits(Int(t.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(t.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(t.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(t.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(t.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(t.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(Int(ts.tv_nsec), 9); out.append(UInt8(ascii: "Z"))
        return out
    }
}
