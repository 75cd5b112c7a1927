import Glibc

/// Who may reach swkube's files on the host (containerd's and kubelet's choices, issue 11):
/// state and bundle directories are root's alone, so a setuid binary, a device node or a Secret
/// made for a container is out of reach of the host's other users. The modes are applied to
/// existing directories too, at every start, so an install made with looser modes is repaired.
public enum HostAccess {
    /// The group whose members may run swkubectl's read-only commands (state.db, pod logs).
    public static let readerGroupName = "swkube"

    /// The `swkube` group's id, nil when the host has no such group (then root alone reads).
    public static func readerGroup() -> gid_t? {
        guard let entry = getgrnam(readerGroupName) else { return nil }
        return entry.pointee.gr_gid
    }

    /// `mkdir -p path` (missing parents 0755), then `path` itself set to exactly `mode`, whatever
    /// it was: a directory left with 0755 by an older install becomes `mode` here. `narrowOnly`:
    /// bits beyond `mode` are removed, none added (an operator's stricter choice stays).
    public static func directory(_ path: String, mode: mode_t, narrowOnly: Bool = false) throws(SwkError) {
        try FS.makeDirectories(path, mode: 0o755)
        var st = stat()
        guard stat(path, &st) == 0 else { throw .errno("stat \(path)") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw SwkError(.invalidArgument, "\(path) is not a directory") }
        let wanted = narrowOnly ? st.st_mode & 0o7777 & mode : mode
        if st.st_mode & 0o7777 != wanted {
            guard chmod(path, wanted) == 0 else { throw .errno("chmod \(path) to \(String(wanted, radix: 8))") }
        }
    }

    /// A container's log directory: kubelet's 0755 (the files are 0640, swkube-shim's). With a
    /// `swkube` group it is the directory's group, with the set-group-id bit so that every log
    /// file made in it (rotations too) is the group's to read.
    public static func logDirectory(_ path: String) throws(SwkError) {
        try FS.makeDirectories(path, mode: 0o755)
        guard let gid = readerGroup() else { return }
        guard chown(path, uid_t.max, gid) == 0, chmod(path, 0o2755) == 0 else {
            throw .errno("give \(path) to group \(readerGroupName)")
        }
    }

    /// Sets an existing file (missing: nothing to do) to `mode` with group `group` (nil: root's).
    public static func file(_ path: String, mode: mode_t, group: gid_t?) throws(SwkError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw .errno("stat \(path)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SwkError(.invalidArgument, "\(path) is not a regular file") }
        let gid = group ?? 0
        if st.st_gid != gid {
            guard lchown(path, uid_t.max, gid) == 0 else { throw .errno("chown \(path) to group \(gid)") }
        }
        // chown clears set-id bits, so the mode comes second.
        if st.st_mode & 0o7777 != mode {
            guard chmod(path, mode) == 0 else { throw .errno("chmod \(path) to \(String(mode, radix: 8))") }
        }
    }
}
