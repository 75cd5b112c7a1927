import Glibc

/// Small POSIX file helpers shared by every layer; Foundation-free so the executor and the shim
/// can use them too.
public enum FS {
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func readBytes(_ path: String) throws(SwkError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open \(path)") }
        defer { close(fd) }
        // A regular file is read at its size (+1 to see EOF in the same call); /proc and /sys
        // files report 0 or 4096 and are read in pages. No zero-filled 64 KiB scratch buffer:
        // the executor reads a handful of small files per call and its peak RSS counts.
        var st = stat()
        let size = fstat(fd, &st) == 0 && st.st_size > 0 ? Int(st.st_size) + 1 : 4096
        var out: [UInt8] = []
        out.reserveCapacity(size)
        var failure: Int32 = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: min(size, 65536)) { buf in
            while true {
                let n = read(fd, buf.baseAddress, buf.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<n]))
            }
        }
        guard failure == 0 else { throw .errno("read \(path)", failure) }
        return out
    }

    public static func readString(_ path: String) throws(SwkError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Writes the whole buffer to an open descriptor, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            off += n
        }
        return true
    }

    /// Writes a file so that readers see the old or the new content, never a mix: temp + rename.
    public static func writeAtomic(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, sync: Bool = false) throws(SwkError) {
        let tmp = "\(path).tmp-\(getpid())"
        // A fresh file: a leftover temp file (or a symlink) must not lend its mode or target.
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .errno("create \(tmp)") }
        let ok = bytes.withUnsafeBytes { writeAll(fd, $0) }
        if ok && sync { fsync(fd) }
        close(fd)
        guard ok else {
            let e = SwkError.errno("write \(tmp)")
            unlink(tmp)
            throw e
        }
        guard rename(tmp, path) == 0 else {
            let e = SwkError.errno("rename \(tmp) to \(path)")
            unlink(tmp)
            throw e
        }
    }

    public static func writeAtomic(_ path: String, _ text: String, mode: mode_t = 0o644) throws(SwkError) {
        try writeAtomic(path, Array(text.utf8), mode: mode)
    }

    /// `mkdir -p`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SwkError) {
        if path.isEmpty || isDirectory(path) { return }
        let parent = dirname(of: path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw .errno("mkdir \(path)") }
    }

    /// `rm -rf` that never crosses into another mount (it unlinks, it does not unmount).
    public static func removeTree(_ path: String) throws(SwkError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw .errno("stat \(path)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) {
                try removeTree("\(path)/\(name)")
            }
            if rmdir(path) != 0 && errno != ENOENT { throw .errno("rmdir \(path)") }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw .errno("unlink \(path)")
        }
    }

    /// Directory entries without `.` and `..`, unsorted.
    public static func list(_ path: String) throws(SwkError) -> [String] {
        guard let dir = opendir(path) else { throw .errno("opendir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Absolute form of `path` relative to the current directory (no symlink resolution).
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd == "/" ? "/\(path)" : "\(cwd)/\(path)"
    }
}
