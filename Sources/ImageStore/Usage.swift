import CSwkSys
import Glibc
import SwkSupport

extension ImageStore {
    /// Space and inodes the store occupies (content and snapshots), for CRI's ImageFsInfo.
    public struct Usage: Sendable, Equatable {
        /// Allocated bytes (st_blocks), each hardlinked inode counted once.
        public var usedBytes: Int64
        public var inodesUsed: Int64
        /// The directory the numbers cover, CRI's `FilesystemIdentifier.mountpoint`.
        public var mountpoint: String
    }

    /// Walks the store without following symlinks; names are read as raw bytes.
    public func usage() throws(SwkError) -> Usage {
        var seen: Set<[UInt64]> = []
        var bytes: Int64 = 0
        func visit(_ dirFD: Int32, _ label: String) throws(SwkError) {
            guard let dir = fdopendir(dirFD) else {
                close(dirFD)
                throw .errno("read directory \(label)")
            }
            defer { closedir(dir) }
            while let ent = readdir(dir) {
                let name = withUnsafeBytes(of: ent.pointee.d_name) { Array($0.prefix { $0 != 0 }) } + [0]
                if name == [46, 0] || name == [46, 46, 0] { continue }
                var st = stat()
                guard fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                    if errno == ENOENT { continue } // removed meanwhile (GC)
                    throw .errno("stat in \(label)")
                }
                if seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted { bytes += Int64(st.st_blocks) * 512 }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    let child = swk_openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
                    guard child >= 0 else { throw .errno("open directory in \(label)") }
                    try visit(child, label)
                }
            }
        }
        for top in ["\(root)/content", snapshotsDir] {
            let fd = swk_openat(AT_FDCWD, top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
            guard fd >= 0 else { throw .errno("open \(top)") }
            try visit(fd, top)
        }
        return Usage(usedBytes: bytes, inodesUsed: Int64(seen.count), mountpoint: root)
    }
}
