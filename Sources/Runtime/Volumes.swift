import CRI
import Glibc
import SwkSupport

/// Pod volumes on the node, after kubelet's layout:
///
///     <rootDir>/pods/<pod uid>/volumes/kubernetes.io~empty-dir/<name>   (a tmpfs for medium Memory)
///     <rootDir>/pods/<pod uid>/volumes/kubernetes.io~configmap/<name>
///     <rootDir>/pods/<pod uid>/volumes/kubernetes.io~secret/<name>      (always a tmpfs)
///
/// The host side is root's alone, as kubelet's 0750 pod directories: `<rootDir>/pods` is 0700
/// (`LocalRuntime`), the directories above each volume 0750, so no other host user reaches a
/// volume, not even a secret tmpfs, while containers see each volume's own mode at its mount.
///
/// A volume is provisioned when the first container that mounts it is created, shared by the
/// pod's later containers (and restarts), and removed with the pod's last sandbox. hostPath
/// volumes are only checked (or created, for the `…OrCreate` types) where they are.
enum PodVolumes {
    static let emptyDirKind = "kubernetes.io~empty-dir"
    static let configMapKind = "kubernetes.io~configmap"
    static let secretKind = "kubernetes.io~secret"

    /// The host path to bind for `mount`, the `index`th of `container`: its volume provisioned or
    /// checked, then `subPath` resolved inside it and bound where the container cannot change it
    /// (SubPaths.swift). A mount without a volume binds its `hostPath` as given.
    static func source(for mount: CRI.Mount, podDir: String, container: String, index: Int) throws(SwkError) -> String {
        guard let volume = mount.volume else { return mount.hostPath }
        let root: String
        do {
            switch volume.source {
            case .hostPath(let path, let type):
                try checkHostPath(path, type: type)
                root = path
            case .emptyDir(let memory, let sizeLimit):
                root = try emptyDir("\(podDir)/volumes/\(emptyDirKind)/\(volume.name)", memory: memory, sizeLimit: sizeLimit)
            case .files(let files, let memory):
                root = try projected("\(podDir)/volumes/\(memory ? secretKind : configMapKind)/\(volume.name)", files, memory: memory)
            }
            return try subPath(mount.subPath, in: root,
                               bindAt: subPathTarget(podDir: podDir, volume: volume.name, container: container, index: index))
        } catch {
            throw error.context("volume \(volume.name)")
        }
    }

    /// Unmounts the pod's tmpfs volumes and deletes its volume directories.
    static func remove(podDir: String) throws(SwkError) {
        try removeSubPaths(podDir: podDir)
        for kind in [emptyDirKind, secretKind] {
            let dir = "\(podDir)/volumes/\(kind)"
            for name in FS.isDirectory(dir) ? try FS.list(dir) : [] {
                try Mounts.unmount("\(dir)/\(name)")
            }
        }
        try FS.removeTree(podDir)
    }

    /// `mounts` with projected file contents dropped, for records kept on disk: secret bytes
    /// live only in their volume.
    static func withoutContents(_ mounts: [CRI.Mount]) -> [CRI.Mount] {
        mounts.map { m in
            guard case .files(let files, let memory)? = m.volume?.source, let name = m.volume?.name else { return m }
            var stripped = m
            stripped.volume = PodVolume(name: name, source: .files(files.map { VolumeFile(path: $0.path, content: [], mode: $0.mode) }, memory: memory))
            return stripped
        }
    }

    /// A ConfigMap or Secret projection: each file written atomically with its mode (so a
    /// container created later sees the current data), on a tmpfs for secrets.
    static func projected(_ dir: String, _ files: [VolumeFile], memory: Bool) throws(SwkError) -> String {
        try FS.makeDirectories(FS.dirname(of: dir), mode: 0o750)
        try FS.makeDirectories(dir, mode: 0o755)
        if memory, !isMountPoint(dir) {
            guard mount("tmpfs", dir, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0755") == 0 else {
                throw .errno("mount tmpfs at \(dir)")
            }
        }
        for file in files {
            let parts = file.path.split(separator: "/")
            guard !file.path.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
                throw SwkError(.invalidArgument, "file path \"\(file.path)\": must be a relative path without '..'")
            }
            let path = "\(dir)/\(parts.joined(separator: "/"))"
            try FS.makeDirectories(FS.dirname(of: path), mode: 0o755)
            try FS.writeAtomic(path, file.content, mode: 0o600)
            // chmod: the mode must not be narrowed by our umask.
            guard chmod(path, mode_t(file.mode & 0o7777)) == 0 else { throw .errno("chmod \(path)") }
        }
        return dir
    }

    /// Kubernetes' hostPath `type` checks (kubelet's hostPathTypeChecker); the `…OrCreate` types
    /// create what is missing (a directory 0755 with its parents; a file 0644, not its parent).
    static func checkHostPath(_ path: String, type: String) throws(SwkError) {
        let what = "hostPath \(path)"
        var st = stat()
        let exists = stat(path, &st) == 0
        if !exists, errno != ENOENT { throw .errno("stat \(what)") }
        let kind = st.st_mode & S_IFMT
        func want(_ expected: mode_t, _ noun: String) throws(SwkError) {
            guard exists else { throw SwkError(.notFound, "\(what): does not exist (type \(type))") }
            guard kind == expected else { throw SwkError(.invalidArgument, "\(what): is not a \(noun) (type \(type))") }
        }
        switch type {
        case "": return
        case "DirectoryOrCreate":
            if !exists { try FS.makeDirectories(path, mode: 0o755); return }
            try want(S_IFDIR, "directory")
        case "Directory": try want(S_IFDIR, "directory")
        case "FileOrCreate":
            if !exists {
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                guard fd >= 0 || errno == EEXIST else { throw .errno("create \(what) (type FileOrCreate)") }
                if fd >= 0 { close(fd) }
                return
            }
            try want(S_IFREG, "file")
        case "File": try want(S_IFREG, "file")
        case "Socket": try want(S_IFSOCK, "socket")
        case "CharDevice": try want(S_IFCHR, "character device")
        case "BlockDevice": try want(S_IFBLK, "block device")
        default: throw SwkError(.invalidArgument, "\(what): unknown type \"\(type)\"")
        }
    }

    /// An emptyDir: a world-writable directory (kubelet's 0777), with a tmpfs of `sizeLimit` bytes
    /// (none: the kernel's default, half the RAM) mounted on it for medium Memory. Idempotent.
    static func emptyDir(_ dir: String, memory: Bool, sizeLimit: Int64) throws(SwkError) -> String {
        try FS.makeDirectories(FS.dirname(of: dir), mode: 0o750)
        try FS.makeDirectories(dir, mode: 0o777)
        if memory, !isMountPoint(dir) {
            var options = "mode=0777"
            if sizeLimit > 0 { options += ",size=\(sizeLimit)" }
            guard mount("tmpfs", dir, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options) == 0 else {
                throw .errno("mount tmpfs at \(dir) (\(options))")
            }
        }
        guard chmod(dir, 0o777) == 0 else { throw .errno("chmod \(dir)") }
        return dir
    }

    /// True when `path` is on another filesystem than its parent directory.
    static func isMountPoint(_ path: String) -> Bool {
        var st = stat(), parent = stat()
        guard stat(path, &st) == 0, stat("\(path)/..", &parent) == 0 else { return false }
        return st.st_dev != parent.st_dev
    }
}
