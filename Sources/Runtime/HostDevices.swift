import Glibc
import SwkSupport

/// The host's device nodes, for privileged containers (containerd's CRI gives them all of
/// `/dev`, as `oci.HostDevices` lists them: recursively, without the pts, shm, fd and mqueue
/// directories, LXC/udev bookkeeping, or `console`; symlinks and plain files are not devices).
enum HostDevices {
    static let skippedDirectories: Set<String> = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]

    /// Every character, block and fifo node under `root`, as config.json `linux.devices` entries
    /// at the same path under `/dev`. A node that vanishes while listed is skipped.
    static func list(root: String = "/dev") -> [BundleConfig.Device] {
        var out: [BundleConfig.Device] = []
        collect(root, containerPath: "/dev", into: &out)
        return out.sorted { $0.path < $1.path }
    }

    private static func collect(_ dir: String, containerPath: String, into out: inout [BundleConfig.Device]) {
        for name in (try? FS.list(dir)) ?? [] {
            var st = stat()
            guard lstat("\(dir)/\(name)", &st) == 0 else { continue }
            let path = "\(containerPath)/\(name)"
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if !skippedDirectories.contains(name) { collect("\(dir)/\(name)", containerPath: path, into: &out) }
            case S_IFCHR where name != "console", S_IFBLK, S_IFIFO:
                let type = (st.st_mode & S_IFMT) == S_IFBLK ? "b" : (st.st_mode & S_IFMT) == S_IFIFO ? "p" : "c"
                out.append(BundleConfig.Device(path: path, type: type, major: Int64(major(of: st.st_rdev)),
                                               minor: Int64(minor(of: st.st_rdev)), fileMode: UInt32(st.st_mode & 0o777),
                                               uid: st.st_uid, gid: st.st_gid))
            default:
                continue
            }
        }
    }

    // glibc's major()/minor() are macros Swift cannot import; this is their encoding of dev_t.
    static func major(of dev: dev_t) -> UInt64 { ((UInt64(dev) >> 8) & 0xfff) | ((UInt64(dev) >> 32) & ~UInt64(0xfff)) }
    static func minor(of dev: dev_t) -> UInt64 { (UInt64(dev) & 0xff) | ((UInt64(dev) >> 12) & ~UInt64(0xff)) }
}
