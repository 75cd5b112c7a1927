import CSwkSys
import Glibc
import SwkSupport

/// `volumeMounts[].subPath`, resolved so that no one can change what it names between the check
/// and the container's mount (CVE-2017-1002101): the path is opened inside the volume
/// (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, swk_inroot.h), the descriptor is bind-mounted
/// through /proc/self/fd to a location only the node writes, and that location is what the bundle
/// binds. As kubelet:
///
///     <podDir>/volume-subpaths/<volume>/<container>/<volumeMount index>
///
/// The binds are undone with the pod (`removeSubPaths`), before its directory is deleted.
extension PodVolumes {
    static let subPathsDir = "volume-subpaths"

    /// An O_PATH descriptor of `sub` inside the volume directory `root`, missing directories
    /// created; a symlink or `..` leading out of the volume is refused.
    static func openSubPath(_ sub: String, in root: String) throws(SwkError) -> Int32 {
        let parts = sub.split(separator: "/")
        guard !sub.hasPrefix("/"), !parts.contains("..") else {
            throw SwkError(.invalidArgument, "subPath \"\(sub)\": must be a relative path without '..'")
        }
        let rootFD = swk_open(root, 0o10000000 /* O_PATH */ | O_DIRECTORY | O_CLOEXEC, 0)
        guard rootFD >= 0 else { throw .errno("open volume \(root)") }
        defer { close(rootFD) }
        let fd = swk_open_in_root(rootFD, sub, Int32(SWK_IN_ROOT_BENEATH | SWK_IN_ROOT_MKDIR))
        guard fd >= 0 else {
            if errno == EXDEV {
                throw SwkError(.invalidArgument, "subPath \"\(sub)\": resolves outside the volume \(root)")
            }
            throw .errno("resolve subPath \"\(sub)\" in \(root)")
        }
        return fd
    }

    /// Binds `sub` of the volume at `root` to `target` (replacing an earlier bind there) and
    /// returns `target`; an empty `sub` is the volume itself.
    static func subPath(_ sub: String, in root: String, bindAt target: String) throws(SwkError) -> String {
        guard !sub.isEmpty else { return root }
        let fd = try openSubPath(sub, in: root)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .errno("stat subPath \"\(sub)\"") }
        try unmountAll(target)
        try FS.makeDirectories(FS.dirname(of: target), mode: 0o750)
        if st.st_mode & S_IFMT == S_IFDIR {
            guard mkdir(target, 0o750) == 0 || errno == EEXIST else { throw .errno("mkdir \(target)") }
        } else {
            let made = open(target, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard made >= 0 else { throw .errno("create \(target)") }
            close(made)
        }
        var at = [CChar](repeating: 0, count: 32)
        swk_fd_path(&at, fd)
        guard mount(at, target, nil, UInt(MS_BIND), nil) == 0 else {
            throw .errno("bind subPath \"\(sub)\" of \(root) to \(target)")
        }
        return target
    }

    /// Where `subPath(_:in:bindAt:)` binds the `index`th volumeMount of `container`.
    static func subPathTarget(podDir: String, volume: String, container: String, index: Int) -> String {
        "\(podDir)/\(subPathsDir)/\(volume)/\(container)/\(index)"
    }

    /// Unmounts every subPath bind of the pod: deleting the pod directory must never reach into
    /// a volume through one.
    static func removeSubPaths(podDir: String) throws(SwkError) {
        let base = "\(podDir)/\(subPathsDir)"
        for volume in FS.isDirectory(base) ? try FS.list(base) : [] {
            for container in try FS.list("\(base)/\(volume)") {
                for index in try FS.list("\(base)/\(volume)/\(container)") {
                    try unmountAll("\(base)/\(volume)/\(container)/\(index)")
                }
            }
        }
        try FS.removeTree(base)
    }

    /// Detaches every mount stacked at `path` (none, or a missing path, is fine).
    private static func unmountAll(_ path: String) throws(SwkError) {
        for _ in 0..<16 {
            if umount2(path, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) == 0 { continue }
            if errno == EINVAL || errno == ENOENT { return }
            throw .errno("unmount subPath bind \(path)")
        }
        throw SwkError(.internal, "unmount subPath bind \(path): still mounted after 16 unmounts")
    }
}
