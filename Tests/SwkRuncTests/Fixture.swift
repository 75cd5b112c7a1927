import FoundationEssentials
import Glibc
import OCI
import SwkSupport
@testable import SwkRunc
import TestSupport

/// A busybox bundle in a fresh temp directory, a private `--root`, and the built runtime binary.
/// `cleanup()` force-deletes whatever the test left and removes the directory.
final class Fixture {
    let dir: String
    let bundle: String
    let root: String
    let id: String
    let cgroupPath: String
    var spec: Spec

    static var isRoot: Bool { getuid() == 0 }

    /// `.build/<config>/swkube-runc`, beside the test bundle.
    static var runtime: String {
        var dir = FS.dirname(of: FS.absolute(CommandLine.arguments[0]))
        while !dir.isEmpty && dir != "/" && !FS.exists("\(dir)/swkube-runc") { dir = FS.dirname(of: dir) }
        return "\(dir)/swkube-runc"
    }

    init(_ tag: String) throws {
        dir = try makeTempDir(tag)
        chmod(dir, 0o755)  // a user-namespaced root (an unprivileged host uid) must reach the rootfs
        bundle = "\(dir)/bundle"
        root = "\(dir)/state"
        let suffix = FS.basename(of: dir).split(separator: "-").last.map(String.init) ?? tag
        id = "\(tag)-\(suffix)"
        cgroupPath = "/swkrunc-test-\(tag)-\(suffix)"
        try FS.makeDirectories("\(bundle)/rootfs/bin")
        try FS.makeDirectories("\(bundle)/rootfs/etc")
        let bytes = try FS.readBytes("/bin/busybox")
        try FS.writeAtomic("\(bundle)/rootfs/bin/busybox", bytes, mode: 0o755)
        for applet in ["sh", "cat", "ls", "hostname", "sleep", "echo", "id", "grep", "wc", "touch", "mkdir", "test", "ps"] {
            symlink("busybox", "\(bundle)/rootfs/bin/\(applet)")
        }
        spec = try SpecCommand.defaultSpec()
        spec.process?.terminal = false
        spec.root?.readonly = false
        spec.hostname = "swkbox"
        spec.linux?.cgroupsPath = cgroupPath
        var resources = LinuxResources(memory: LinuxMemory(limit: 64 << 20), pids: LinuxPids(limit: 100))
        resources.devices = [LinuxDeviceCgroup(allow: false, access: "rwm")]
        spec.linux?.resources = resources
        // A node the device cgroup must refuse (only the standard set is allowed).
        spec.linux?.devices = [LinuxDevice(path: "/dev/mem", type: "c", major: 1, minor: 1, fileMode: 0o640)]
    }

    func script(_ text: String) {
        spec.process?.args = ["sh", "-c", text]
    }

    func writeConfig() throws {
        let data = try JSONEncoder().encode(spec)
        try FS.writeAtomic("\(bundle)/config.json", [UInt8](data))
    }

    func writeRawConfig(_ text: String) throws {
        try FS.writeAtomic("\(bundle)/config.json", text)
    }

    /// Runs the runtime (or `binary`, e.g. Debian's runc) with `--root` and `args`.
    func runtime(_ args: [String], binary: String = Fixture.runtime) throws -> Spawn.Output {
        try Spawn.run([binary, "--root", root] + args)
    }

    /// Polls (bounded) until `condition` holds; for external processes reaching a state.
    func eventually(_ condition: () -> Bool) -> Bool {
        waitUntil(seconds: 10, pause: 0.002, condition)
    }

    /// Directories the container's cgroup would occupy on this host.
    var cgroupDirectories: [String] {
        Cgroups.Container(host: Cgroups.Host.detect(), path: cgroupPath).directories
    }

    var leftovers: [String] {
        ([root + "/" + id] + cgroupDirectories).filter { FS.exists($0) }
    }

    func cleanup() {
        _ = try? runtime(["delete", "--force", id])
        _ = try? runtime(["delete", "--force", id], binary: "/usr/sbin/runc")
        // Whole subtrees: containerd and podman put their own cgroups below the fixture's path.
        for dir in cgroupDirectories.reversed() { Self.removeCgroupTree(dir) }
        try? FS.removeTree(dir)
    }

    private static func removeCgroupTree(_ dir: String) {
        for name in (try? FS.list(dir)) ?? [] where FS.isDirectory("\(dir)/\(name)") {
            removeCgroupTree("\(dir)/\(name)")
        }
        rmdir(dir)
    }
}


/// A temp directory standing for a container's cgroup: `<dir>/c` with empty control `files`.
func fakeCgroup(_ tag: String, _ files: [String]) throws -> String {
    let dir = try makeTempDir(tag)
    try FS.makeDirectories("\(dir)/c")
    for file in files { try FS.writeAtomic("\(dir)/c/\(file)", "") }
    return dir
}
