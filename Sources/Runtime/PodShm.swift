import Glibc
import SwkSupport

/// The pod's /dev/shm as kubelet + containerd give it: one tmpfs per sandbox (containerd's 64 MiB
/// default), bind-mounted into each of its containers so that they share POSIX shared memory
/// with each other and with no other pod. A hostIPC pod's containers get the host's /dev/shm.
///
/// The tmpfs lives at `<sandbox dir>/shm` and goes with the sandbox (stop or remove). A sandbox
/// made before pods had one (no `shm` directory) keeps giving its containers a tmpfs each.
enum PodShm {
    static let hostShm = "/dev/shm"

    static func path(sandboxDir: String) -> String { "\(sandboxDir)/shm" }

    /// Mounts the pod's tmpfs. Its root is world-writable (1777, as /dev/shm), so the sandbox
    /// directory above it is made 0700 first: no other host user may reach what pods share.
    static func mount(sandboxDir: String) throws(SwkError) {
        let target = path(sandboxDir: sandboxDir)
        guard chmod(sandboxDir, 0o700) == 0 else { throw .errno("chmod 0700 \(sandboxDir)") }
        try FS.makeDirectories(target, mode: 0o700)
        let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
        guard Glibc.mount("shm", target, "tmpfs", flags, "mode=1777,size=65536k") == 0 else {
            throw .errno("mount the pod's /dev/shm tmpfs at \(target)")
        }
    }

    /// The host directory a container of this sandbox gets at /dev/shm; nil for a sandbox that
    /// predates pod shm (its containers keep a tmpfs of their own).
    static func source(sandboxDir: String, hostIPC: Bool) -> String? {
        if hostIPC { return hostShm }
        let target = path(sandboxDir: sandboxDir)
        return FS.isDirectory(target) ? target : nil
    }

    /// Unmounts the pod's tmpfs (what is in it is gone) and removes the mount point; a sandbox
    /// without one is fine.
    static func release(sandboxDir: String) throws(SwkError) {
        let target = path(sandboxDir: sandboxDir)
        try Mounts.unmount(target)
        if rmdir(target) != 0, errno != ENOENT { throw .errno("remove \(target)") }
    }
}
