import CArchive
import CSwkSys
import Glibc
import SwkSupport

/// Writes the entries of one layer tar beneath a snapshot directory, and nowhere else.
///
/// Why not libarchive's `archive_write_disk`: its symlink guard (`ARCHIVE_EXTRACT_SECURE_SYMLINKS`)
/// walks paths with `chdir()`, and `SECURE_NOABSOLUTEPATHS` refuses our own absolute prefix, so
/// safe use needs a process-wide working directory; the daemon is multithreaded. Instead every path
/// is cleaned lexically (an entry that climbs above the root is rejected), and resolved from an
/// open descriptor of the snapshot root one component at a time with `O_NOFOLLOW | O_DIRECTORY`,
/// creating missing directories as it goes. The final component is created with `*at()` calls that
/// never follow it (O_EXCL, AT_SYMLINK_NOFOLLOW, linkat without AT_SYMLINK_FOLLOW). A symlink in
/// the layer can therefore exist, but nothing is ever written through one, and a hardlink can only
/// name a file already inside the snapshot. No chdir, so this is safe on any thread.
///
/// OCI whiteouts become overlayfs ones: `.wh.<name>` → a 0/0 character device `<name>`, and
/// `.wh..wh..opq` → `trusted.overlay.opaque=y` on its directory. Owners are numeric (the host's
/// user database never applies), modes, times and xattrs are kept; `trusted.overlay.*` xattrs from
/// the layer itself are dropped so a layer cannot steer overlayfs.
final class TreeWriter {
    /// Path components as raw bytes, each NUL-terminated so it can be handed to C as is (entry
    /// names need not be UTF-8).
    typealias Path = [[UInt8]]

    let root: String
    private let rootFD: Int32
    private var cached: (path: Path, fd: Int32)?
    /// Directory modes and times are applied last: creating children changes a directory's mtime,
    /// and a read-only directory mode must not block its own children.
    private var directories: [String: (path: Path, mode: mode_t, times: [timespec])] = [:]

    init(root: String) throws(SwkError) {
        self.root = root
        rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw .errno("open snapshot directory \(root)") }
    }

    deinit {
        if let cached, cached.fd != rootFD { close(cached.fd) }
        close(rootFD)
    }

    /// Writes the entry just read from `archive` (its data is read from `archive` too).
    func write(_ entry: OpaquePointer, from archive: OpaquePointer) throws(SwkError) {
        guard let raw = archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry) else {
            throw SwkError(.invalidArgument, "layer entry without a path")
        }
        let path = try Self.clean(raw)
        let display = Self.display(path)
        guard let name = path.last else {
            // "./": the root directory's own metadata.
            if archive_entry_filetype(entry) == S_IFDIR { recordDirectory([], entry) }
            return
        }
        if name.starts(with: Self.whiteoutPrefix) {
            try writeWhiteout(path, name: Array(name.dropFirst(Self.whiteoutPrefix.count)))
            return
        }
        let parent = try parentFD(Array(path.dropLast()))
        if let link = archive_entry_hardlink(entry) {
            try writeHardlink(parent, name, target: try Self.clean(link), display: display)
            return
        }
        let type = archive_entry_filetype(entry)
        let perm = archive_entry_perm(entry) & 0o7777
        let uid = uid_t(truncatingIfNeeded: archive_entry_uid(entry))
        let gid = gid_t(truncatingIfNeeded: archive_entry_gid(entry))
        let times = Self.times(entry)
        switch type {
        case S_IFDIR:
            if !isDirectory(parent, name) {
                try removeExisting(parent, name, display)
                guard mkdirat(parent, name, 0o700) == 0 else { throw .errno("create directory \(display) in \(root)") }
            }
            let fd = swk_openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
            guard fd >= 0 else { throw .errno("open directory \(display) in \(root)") }
            defer { close(fd) }
            guard fchown(fd, uid, gid) == 0 else { throw .errno("chown \(display) in \(root)") }
            try setXattrs(fd, entry, display)
            recordDirectory(path, entry)
        case S_IFREG:
            try removeExisting(parent, name, display)
            let fd = swk_openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .errno("create \(display) in \(root)") }
            defer { close(fd) }
            try copyData(from: archive, to: fd, size: archive_entry_size(entry), display)
            // chown before chmod: chown clears set-id bits.
            guard fchown(fd, uid, gid) == 0 else { throw .errno("chown \(display) in \(root)") }
            guard fchmod(fd, perm) == 0 else { throw .errno("chmod \(display) in \(root)") }
            try setXattrs(fd, entry, display)
            guard futimens(fd, times) == 0 else { throw .errno("set times of \(display) in \(root)") }
        case S_IFLNK:
            guard let target = archive_entry_symlink(entry) ?? archive_entry_symlink_utf8(entry) else {
                throw SwkError(.invalidArgument, "symlink \(display) without a target")
            }
            try removeExisting(parent, name, display)
            guard symlinkat(target, parent, name) == 0 else { throw .errno("create symlink \(display) in \(root)") }
            try setOwnerAndTimes(parent, name, uid, gid, times, display)
        case S_IFCHR, S_IFBLK, S_IFIFO:
            try removeExisting(parent, name, display)
            guard mknodat(parent, name, type | perm, archive_entry_rdev(entry)) == 0 else {
                throw .errno("create device or fifo \(display) in \(root)")
            }
            try setOwnerAndTimes(parent, name, uid, gid, times, display)
            guard fchmodat(parent, name, perm, 0) == 0 else { throw .errno("chmod \(display) in \(root)") }
        default:
            return // sockets and unknown types are not restored (as docker does)
        }
    }

    /// Applies the recorded directory modes and times, deepest first.
    func finish() throws(SwkError) {
        for (_, dir) in directories.sorted(by: { $0.value.path.count > $1.value.path.count }) {
            let fd = try openDirectory(dir.path, create: false)
            defer { if fd != rootFD { close(fd) } }
            let display = Self.display(dir.path)
            guard fchmod(fd, dir.mode) == 0 else { throw .errno("chmod \(display) in \(root)") }
            guard futimens(fd, dir.times) == 0 else { throw .errno("set times of \(display) in \(root)") }
        }
        directories = [:]
    }

    // MARK: entry kinds

    private static let whiteoutPrefix = Array(".wh.".utf8)

    private func writeWhiteout(_ path: Path, name: [UInt8]) throws(SwkError) {
        let dirPath = Array(path.dropLast())
        if name == Array(".wh..opq".utf8) + [0] {
            let fd = try parentFD(dirPath)
            let value: [UInt8] = [UInt8(ascii: "y")]
            guard swk_fsetxattr(fd, "trusted.overlay.opaque", value, 1, 0) == 0 else {
                throw .errno("mark \(Self.display(dirPath)) opaque in \(root)")
            }
            return
        }
        guard name != [0], name != Array(".".utf8) + [0], name != Array("..".utf8) + [0] else {
            throw SwkError(.invalidArgument, "invalid whiteout \(Self.display(path))")
        }
        let display = Self.display(dirPath + [name])
        let parent = try parentFD(dirPath)
        try removeExisting(parent, name, display)
        guard mknodat(parent, name, S_IFCHR, 0) == 0 else { throw .errno("create whiteout \(display) in \(root)") }
    }

    private func writeHardlink(_ parent: Int32, _ name: [UInt8], target: Path, display: String) throws(SwkError) {
        guard let targetName = target.last else {
            throw SwkError(.invalidArgument, "hardlink \(display) to the layer root")
        }
        let targetDir: Int32
        do throws(SwkError) {
            targetDir = try openDirectory(Array(target.dropLast()), create: false)
        } catch {
            throw error.context("hardlink \(display) to \(Self.display(target))")
        }
        defer { if targetDir != rootFD { close(targetDir) } }
        var st = stat()
        guard fstatat(targetDir, targetName, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .errno("hardlink \(display) to \(Self.display(target)) in \(root)")
        }
        try removeExisting(parent, name, display)
        // flags 0: a symlink target is linked itself, never followed.
        guard linkat(targetDir, targetName, parent, name, 0) == 0 else {
            throw .errno("hardlink \(display) to \(Self.display(target)) in \(root)")
        }
    }

    // MARK: helpers

    private func recordDirectory(_ path: Path, _ entry: OpaquePointer) {
        directories[Self.display(path)] = (path, archive_entry_perm(entry) & 0o7777, Self.times(entry))
    }

    private func setOwnerAndTimes(_ parent: Int32, _ name: [UInt8], _ uid: uid_t, _ gid: gid_t,
                                  _ times: [timespec], _ display: String) throws(SwkError) {
        guard fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else { throw .errno("chown \(display) in \(root)") }
        guard utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .errno("set times of \(display) in \(root)")
        }
    }

    private func setXattrs(_ fd: Int32, _ entry: OpaquePointer, _ display: String) throws(SwkError) {
        archive_entry_xattr_reset(entry)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
            guard let name else { continue }
            let key = String(cString: name)
            if key.hasPrefix("trusted.overlay.") { continue }
            guard swk_fsetxattr(fd, name, value, size, 0) == 0 else { throw .errno("set xattr \(key) on \(display) in \(root)") }
        }
    }

    private func copyData(from archive: OpaquePointer, to fd: Int32, size: Int64, _ display: String) throws(SwkError) {
        var block: UnsafeRawPointer?
        var length = 0
        var offset: Int64 = 0
        while true {
            let r = archive_read_data_block(archive, &block, &length, &offset)
            if r == ARCHIVE_EOF { break }
            guard r >= ARCHIVE_WARN else { throw archiveError(archive, "read data of \(display)") }
            guard let block else { continue }
            var done = 0
            while done < length {
                let n = pwrite(fd, block + done, length - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .errno("write \(display) in \(root)")
                }
                done += n
            }
        }
        // Sparse files end in a hole that no data block covers.
        guard ftruncate(fd, off_t(size)) == 0 else { throw .errno("truncate \(display) in \(root)") }
    }

    private func isDirectory(_ parent: Int32, _ name: [UInt8]) -> Bool {
        var st = stat()
        return fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes what is at `name` so the entry can take its place (a later entry wins, as in tar).
    private func removeExisting(_ parent: Int32, _ name: [UInt8], _ display: String) throws(SwkError) {
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        let flags = (st.st_mode & S_IFMT) == S_IFDIR ? AT_REMOVEDIR : 0
        guard unlinkat(parent, name, flags) == 0 else { throw .errno("replace \(display) in \(root)") }
    }

    /// The descriptor of directory `path`, cached for runs of entries in the same directory.
    /// Owned by the cache: callers never close it.
    private func parentFD(_ path: Path) throws(SwkError) -> Int32 {
        if let cached, cached.path == path { return cached.fd }
        let fd = try openDirectory(path, create: true)
        if let cached, cached.fd != rootFD { close(cached.fd) }
        cached = (path, fd)
        return fd
    }

    /// Opens `path` beneath the root without following any symlink; missing directories are
    /// created (mode 0755, as tar does for implicit parents) when `create` is set.
    private func openDirectory(_ path: Path, create: Bool) throws(SwkError) -> Int32 {
        var fd = rootFD
        for (i, component) in path.enumerated() {
            var next = swk_openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(fd, component, 0o755) != 0 && errno != EEXIST {
                    let e = SwkError.errno("create directory \(Self.display(Array(path[...i]))) in \(root)")
                    if fd != rootFD { close(fd) }
                    throw e
                }
                next = swk_openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
            }
            let err = errno
            if fd != rootFD { close(fd) }
            guard next >= 0 else {
                let prefix = Self.display(Array(path[...i]))
                if err == ELOOP || err == ENOTDIR {
                    throw SwkError(.invalidArgument, "layer path goes through \(prefix), which is a symlink or not a directory, in \(root)")
                }
                throw .errno("open directory \(prefix) in \(root)", err)
            }
            fd = next
        }
        return fd
    }

    /// Lexically cleans an entry path into components: leading `/` and `.` are dropped (an absolute
    /// path means "from the layer root", as docker reads it), `..` pops a component, and climbing
    /// above the root is an error.
    static func clean(_ raw: UnsafePointer<CChar>) throws(SwkError) -> Path {
        let bytes = Array(UnsafeRawBufferPointer(start: raw, count: strlen(raw)))
        var out: Path = []
        for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                guard out.popLast() != nil else {
                    throw SwkError(.invalidArgument, "layer entry \"\(String(decoding: bytes, as: UTF8.self))\" points outside the layer root")
                }
                continue
            }
            out.append(Array(part) + [0])
        }
        return out
    }

    static func display(_ path: Path) -> String {
        path.isEmpty ? "/" : path.map { String(decoding: $0.dropLast(), as: UTF8.self) }.joined(separator: "/")
    }

    private static func times(_ entry: OpaquePointer) -> [timespec] {
        let mtime = timespec(tv_sec: archive_entry_mtime(entry), tv_nsec: archive_entry_mtime_nsec(entry))
        let atime = archive_entry_atime_is_set(entry) != 0
            ? timespec(tv_sec: archive_entry_atime(entry), tv_nsec: archive_entry_atime_nsec(entry)) : mtime
        return [atime, mtime]
    }
}

/// A libarchive failure as an `SwkError` naming the step.
func archiveError(_ archive: OpaquePointer, _ what: String) -> SwkError {
    let text = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    return SwkError(.invalidArgument, "\(what): \(text)")
}
