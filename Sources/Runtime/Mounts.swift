import Glibc
import SwkSupport

/// The few mount operations of the lifecycle layer.
enum Mounts {
    /// Mounts an overlay of `lowerDirs` (top first) with `upper`/`work` at `target`.
    static func overlay(lowerDirs: [String], upper: String, work: String, target: String) throws(SwkError) {
        guard !lowerDirs.isEmpty else { throw SwkError(.invalidArgument, "overlay at \(target): image has no layers") }
        let data = "lowerdir=\(lowerDirs.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        guard mount("overlay", target, "overlay", 0, data) == 0 else {
            throw .errno("mount overlay at \(target) (\(data))")
        }
    }

    /// Unmounts `path` if it is a mount point; a path that is not mounted or missing is fine.
    static func unmount(_ path: String) throws(SwkError) {
        if umount2(path, 0) == 0 { return }
        switch errno {
        case EINVAL, ENOENT: return
        case EBUSY:
            // Something (a process that outlived its container) still uses it: detach it lazily.
            guard umount2(path, Int32(MNT_DETACH)) == 0 || errno == EINVAL else { throw .errno("unmount \(path)") }
        default: throw .errno("unmount \(path)")
        }
    }

    /// Removes the pod's parent cgroup (`/swkube/<pod>`) in every hierarchy once it is empty.
    static func removePodCgroups(_ relative: String) {
        let root = "/sys/fs/cgroup"
        var candidates = ["\(root)\(relative)"]
        for name in (try? FS.list(root)) ?? [] { candidates.append("\(root)/\(name)\(relative)") }
        for dir in candidates where FS.isDirectory(dir) { rmdir(dir) }
    }
}
