import CRI
import Glibc
import SwkSupport

extension LocalRuntime {
    public func podSandboxVolumeUsage(_ podSandboxId: String) async throws -> [String: Int64] {
        guard let record = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        let dir = "\(layout.podDir(Self.podKey(record)))/volumes/\(PodVolumes.emptyDirKind)"
        return await Self.usage(of: dir)
    }

    /// Off the actor: walking a big directory must not hold up other pods' calls.
    nonisolated static func usage(of dir: String) async -> [String: Int64] {
        var out: [String: Int64] = [:]
        for name in (try? FS.list(dir)) ?? [] {
            out[name] = DiskUsage.bytes(of: "\(dir)/\(name)")
        }
        return out
    }
}

/// `du -s -x` in bytes: the blocks allocated to every file of a tree, hard links counted once,
/// without crossing into other filesystems mounted inside it.
enum DiskUsage {
    static func bytes(of root: String) -> Int64 {
        var st = stat()
        guard lstat(root, &st) == 0 else { return 0 }
        var seen = Set<UInt64>()
        return walk(root, device: st.st_dev, stat: st, seen: &seen)
    }

    private static func walk(_ path: String, device: dev_t, stat st: stat, seen: inout Set<UInt64>) -> Int64 {
        var total: Int64 = 0
        if st.st_nlink <= 1 || seen.insert(UInt64(st.st_ino)).inserted {
            total += Int64(st.st_blocks) * 512
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { return total }
        for name in (try? FS.list(path)) ?? [] {
            var child = stat()
            let childPath = "\(path)/\(name)"
            guard lstat(childPath, &child) == 0, child.st_dev == device else { continue }
            total += walk(childPath, device: device, stat: child, seen: &seen)
        }
        return total
    }
}
