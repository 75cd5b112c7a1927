import CSwkSys
import Glibc
import SwkSupport

/// The runtime binary, out of a container's reach (CVE-2019-5736). A container process is a clone
/// of swkube-runc until its execve; a container whose `/bin/true` is `#!/proc/self/exe` turns that
/// execve (of an exec probe, say) into our binary running inside the container, where a process
/// holding `/proc/<pid>/exe` could reopen the host's file for writing once it is no longer busy.
/// So `create`, `run` and `exec` start by re-executing themselves from an image nobody can write,
/// as runc 1.2 does: the binary through a private read-only overlayfs (no copy), else a sealed
/// memfd copy. The re-executed process finds `marker` in its environment, checks that its image
/// really is sealed (never trusting the variable alone), removes the variable, and makes itself
/// non-dumpable, so that until the user process's execve (which restores dumpability) no
/// container process can open its `/proc/<pid>/exe`, fds or memory.
enum ExeSeal {
    static let marker = "_SWKUBE_RUNC_SEALED"

    /// Returns in the sealed image; before that it re-executes `argv` and does not return.
    /// `spareDir` is the state root: overlayfs needs a second lower directory (swk_exeseal.h).
    static func ensure(argv: [String], spareDir: String, log: RuncLog) throws(SwkError) {
        if getenv(marker) != nil {
            unsetenv(marker)
            guard swk_exe_is_sealed() == 1 else {
                throw SwkError(.internal, "seal runtime binary: re-executed, yet /proc/self/exe is neither a sealed memfd nor on a read-only overlayfs")
            }
            guard swk_set_dumpable(0) == 0 else { throw .errno("seal runtime binary: prctl PR_SET_DUMPABLE") }
            return
        }
        try FS.makeDirectories(spareDir, mode: 0o700)
        setenv(marker, "1", 1)
        defer { unsetenv(marker) }
        let args = argv.map { strdup($0) } + [nil]
        defer { for p in args { free(p) } }
        // The overlayfs view first (no copy), then a sealed memfd copy; each failure names its step.
        var failures: [String] = []
        for kind in ["overlayfs", "memfd"] {
            var step: UnsafePointer<CChar>?
            let image = kind == "overlayfs" ? swk_exe_overlay(spareDir, &step) : swk_exe_memfd(&step)
            if image >= 0 {
                _ = swk_execveat_fd(image, args, environ)
                step = nil
            }
            let err = errno
            if image >= 0 { close(image) }
            failures.append("\(step.map { String(cString: $0) } ?? "execveat \(kind) image"): \(errnoText(err))")
            log.debug("seal runtime binary: \(kind): \(failures.last ?? "")")
        }
        throw SwkError(.system, "seal runtime binary: \(failures.joined(separator: "; "))")
    }
}
