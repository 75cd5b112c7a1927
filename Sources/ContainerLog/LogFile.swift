import Glibc
import SwkSupport

/// The container's CRI log file, rotated by size as kubelet's container log manager does: once
/// the file holds `maxSize` bytes it is renamed to `<path>.<UTC yyyyMMdd-HHmmss>.<nanoseconds>`
/// (kubelet's name plus nanoseconds, so that names sort by age even for several rotations in
/// one second) and a new file is opened at `path`; rotated files beyond
/// `maxFiles - 1` go, oldest first. Records are never split across files. Readers that follow the
/// log see the inode of `path` change.
public struct LogFile {
    public let path: String
    /// 0: never rotate.
    public let maxSize: Int64
    public let maxFiles: Int
    public private(set) var fd: Int32
    private var size: Int64

    public init(path: String, maxSize: Int64, maxFiles: Int) throws(SwkError) {
        self.path = path
        self.maxSize = maxSize
        self.maxFiles = max(2, maxFiles)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .errno("open log \(path)") }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
    }

    /// Appends `bytes`; a failure is returned for the shim's own log, the container runs on.
    public mutating func write(_ bytes: [UInt8]) -> SwkError? {
        guard !bytes.isEmpty else { return nil }
        guard bytes.withUnsafeBytes({ FS.writeAll(fd, $0) }) else { return .errno("write log \(path)") }
        size += Int64(bytes.count)
        return maxSize > 0 && size >= maxSize ? rotate() : nil
    }

    private mutating func rotate() -> SwkError? {
        var target = "\(path).\(Self.stamp())"
        while FS.exists(target) { target = "\(path).\(Self.stamp())" }
        guard rename(path, target) == 0 else { return .errno("rotate log \(path) to \(target)") }
        let fresh = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fresh >= 0 else { return .errno("reopen log \(path)") }
        close(fd)
        fd = fresh
        size = 0
        for old in Self.rotatedFiles(of: path).dropLast(maxFiles - 1) {
            unlink(old)
        }
        return nil
    }

    /// The rotated files of `path`, oldest first.
    public static func rotatedFiles(of path: String) -> [String] {
        let dir = FS.dirname(of: path), prefix = "\(FS.basename(of: path))."
        let names = ((try? FS.list(dir)) ?? []).filter { $0.hasPrefix(prefix) && ($0.dropFirst(prefix.count).first?.isNumber ?? false) }
        return names.sorted().map { "\(dir)/\($0)" }
    }

    /// `20261201-020304.000000005`: fixed width, so names sort by time.
    private static func stamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var secs = ts.tv_sec
        var t = tm()
        gmtime_r(&secs, &t)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(Int(t.tm_year) + 1900, 4))\(pad(Int(t.tm_mon) + 1, 2))\(pad(Int(t.tm_mday), 2))-"
            + "\(pad(Int(t.tm_hour), 2))\(pad(Int(t.tm_min), 2))\(pad(Int(t.tm_sec), 2)).\(pad(ts.tv_nsec, 9))"
    }
}
