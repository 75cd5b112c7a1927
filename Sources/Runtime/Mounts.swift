import CRI
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

    /// Checks that a bind source can propagate as `propagation` asks, as containerd's CRI does
    /// (ensureShared / ensureSharedOrSlave): mounts can only reach the container if the host mount
    /// holding `path` is shared (or a slave, for HostToContainer).
    static func checkPropagation(_ propagation: MountPropagation, source path: String,
                                 mountInfo: String? = nil) throws(SwkError) {
        if propagation == .private { return }
        let table: String
        if let mountInfo { table = mountInfo } else {
            do { table = try FS.readString("/proc/self/mountinfo") } catch { throw error.context("mount propagation of \(path)") }
        }
        guard let holder = mountHolding(path, in: table) else {
            throw SwkError(.notFound, "mount propagation of \(path): no mount holds it in /proc/self/mountinfo")
        }
        let shared = holder.optional.contains { $0.hasPrefix("shared:") }
        let slave = holder.optional.contains { $0.hasPrefix("master:") }
        if propagation == .bidirectional, !shared {
            throw SwkError(.failedPrecondition, "path \"\(path)\" is mounted on \"\(holder.mountPoint)\" but it is not a shared mount")
        }
        if propagation == .hostToContainer, !shared, !slave {
            throw SwkError(.failedPrecondition,
                           "path \"\(path)\" is mounted on \"\(holder.mountPoint)\" but it is not a shared or slave mount")
        }
    }

    /// The mountinfo entry whose mount point is the longest prefix of `path` (the last one listed
    /// wins among equals: it is mounted over the others), with its optional fields.
    static func mountHolding(_ path: String, in table: String) -> (mountPoint: String, optional: [String])? {
        var best: (mountPoint: String, optional: [String])?
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 6, let dash = fields.firstIndex(of: "-") else { continue }
            let point = unescapeMountInfo(fields[4])
            let inside = point == "/" || path == point || path.hasPrefix(point + "/")
            guard inside, point.count >= (best?.mountPoint.count ?? 0) else { continue }
            best = (point, Array(fields[6..<dash]))
        }
        return best
    }

    /// mountinfo writes space, tab, newline and backslash as `\ooo` octal escapes.
    private static func unescapeMountInfo(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 4 <= utf8.count,
               let value = UInt8(String(decoding: utf8[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
