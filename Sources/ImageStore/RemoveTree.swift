import CSwkSys
import Glibc
import SwkSupport

/// `rm -rf` for snapshot trees: names are handled as raw bytes (layers may hold names that are not
/// UTF-8, which a String round trip would mangle), symlinks are never followed, and it works from
/// directory descriptors so a rename elsewhere cannot redirect it.
func removeSnapshotTree(_ path: String) throws(SwkError) {
    var st = stat()
    guard lstat(path, &st) == 0 else {
        if errno == ENOENT { return }
        throw .errno("stat \(path)")
    }
    guard (st.st_mode & S_IFMT) == S_IFDIR else {
        guard unlink(path) == 0 else { throw .errno("remove \(path)") }
        return
    }
    let fd = swk_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard fd >= 0 else { throw .errno("open \(path)") }
    try removeContents(fd, path)
    guard rmdir(path) == 0 else { throw .errno("remove \(path)") }
}

/// Empties the directory `fd` (named `label` in errors) and closes it.
private func removeContents(_ fd: Int32, _ label: String) throws(SwkError) {
    guard let dir = fdopendir(fd) else {
        close(fd)
        throw .errno("read directory \(label)")
    }
    defer { closedir(dir) }
    var names: [[UInt8]] = []
    while let ent = readdir(dir) {
        let name = withUnsafeBytes(of: ent.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
        if name != [46] && name != [46, 46] { names.append(name + [0]) }
    }
    for name in names {
        let display = "\(label)/\(String(decoding: name.dropLast(), as: UTF8.self))"
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw .errno("stat \(display)") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let child = swk_openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
            guard child >= 0 else { throw .errno("open \(display)") }
            try removeContents(child, display)
            guard unlinkat(fd, name, AT_REMOVEDIR) == 0 else { throw .errno("remove \(display)") }
        } else {
            guard unlinkat(fd, name, 0) == 0 else { throw .errno("remove \(display)") }
        }
    }
}
