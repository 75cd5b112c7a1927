import CSwkSys
import Glibc
import OCI
import SwkSupport
import Synchronization
import Testing
import TestSupport
@testable import SwkRunc

/// Mount setup and the working directory against a container that races or tricks the runtime
/// (CVE-2021-30465, CVE-2024-21626), for swkube-runc and, as the control, Debian's runc.
@Suite(.enabled(if: Fixture.isRoot, "needs root for mounts and namespaces"))
struct PathSafetyTests {
    static let runtimes = [Fixture.runtime] + (FS.exists("/usr/sbin/runc") ? ["/usr/sbin/runc"] : [])

    /// Debian's runc older than 1.1.14 (CVE-2024-45310: empty directories created on the host).
    static let runcCreatesOutsideInThisRace: Bool = {
        let text = (try? Spawn.run(["/usr/sbin/runc", "--version"]).stdout) ?? ""
        guard let version = text.split(separator: "\n").first?.split(separator: " ").last else { return false }
        let parts = version.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        return parts.count == 3 && (parts[0], parts[1], parts[2]) < (1, 1, 14)
    }()

    /// `/vol` binds a host directory whose `x` flips between a directory and a symlink to a host
    /// directory outside the rootfs while containers with a second mount at `/vol/x/target` start
    /// again and again. Neither the mkdir of the target nor the mount may ever land outside the
    /// rootfs: the outside directory stays empty, and a createContainer hook (in the container's
    /// mount namespace, before pivot_root) finds no mount point in it.
    @Test(arguments: runtimes)
    func aSymlinkSwappedDuringMountSetupNeverLeavesTheRootfs(runtime: String) throws {
        let f = try Fixture("race")
        defer { f.cleanup() }
        let volume = "\(f.dir)/vol", outside = "\(f.dir)/outside", source = "\(f.dir)/src", log = "\(f.dir)/escaped"
        try FS.makeDirectories("\(volume)/x/target")
        try FS.makeDirectories(outside)
        try FS.makeDirectories(source)
        symlink(outside, "\(volume)/alt")
        f.spec.mounts = (f.spec.mounts ?? []) + [
            Mount(destination: "/vol", type: "bind", source: volume, options: ["rbind"]),
            Mount(destination: "/vol/x/target", type: "bind", source: source, options: ["rbind"]),
        ]
        var hooks = Hooks()
        hooks.createContainer = [Hook(path: "/bin/sh", args: ["sh", "-c", "grep -F ' \(outside)/' /proc/self/mountinfo >> \(log); true"])]
        f.spec.hooks = hooks
        f.spec.linux?.devices = nil
        f.script(":")
        try f.writeConfig()
        let swapper = try Swapper("\(volume)/x", "\(volume)/alt")
        var started = 0
        for _ in 0..<40 {
            let out = try f.runtime(["run", "--bundle", f.bundle, f.id], binary: runtime)
            if out.status == 0 { started += 1 }
            _ = try? f.runtime(["delete", "--force", f.id], binary: runtime)
            if !(try FS.list(outside)).isEmpty { break }
        }
        swapper.stop()
        #expect(started > 0, "no container started")
        let made = try FS.list(outside)
        // Debian 12's runc 1.1.5 predates the fix of CVE-2024-45310 (runc 1.1.14): its mkdir of a
        // missing mount target can land outside the rootfs in this race. Only its mounts are held
        // to the rule; swkube-runc is held to both.
        if runtime == Fixture.runtime || !Self.runcCreatesOutsideInThisRace {
            #expect(made.isEmpty, "created outside the rootfs: \(made)")
        }
        let escaped = FS.exists(log) ? try FS.readString(log) : ""
        #expect(escaped.isEmpty, "mounted outside the rootfs: \(escaped)")
    }

    /// A cwd reached through a descriptor that leads out of the root (here one passed with
    /// --preserve-fds; CVE-2024-21626 used one leaked by the runtime) is refused before the
    /// process runs.
    @Test(arguments: runtimes)
    func aWorkingDirectoryOutsideTheRootIsRefused(runtime: String) throws {
        let f = try Fixture("cwd")
        defer { f.cleanup() }
        let host = "\(f.dir)/host"
        try FS.makeDirectories(host)
        f.spec.process?.cwd = "/proc/self/fd/3"
        f.script("touch escaped")
        try f.writeConfig()
        let out = try Spawn.run(["/bin/sh", "-c", "exec 3<\(host) && exec \(runtime) --root \(f.root) run --preserve-fds 1 --bundle \(f.bundle) \(f.id)"])
        #expect(out.status != 0)
        #expect(!FS.exists("\(host)/escaped"), "the process ran in a host directory")
        if runtime == Fixture.runtime {
            #expect(out.stderr.contains("cwd /proc/self/fd/3 is outside the root"), "stderr: \(out.stderr)")
        }
    }

    /// maskedPaths and readonlyPaths are resolved inside the root (a symlink climbing out lands on
    /// the container's own directory).
    @Test func maskedAndReadonlyPathsStayInsideTheRoot() throws {
        let f = try Fixture("mask")
        defer { f.cleanup() }
        try FS.makeDirectories("\(f.bundle)/rootfs/secret")
        try FS.makeDirectories("\(f.bundle)/rootfs/ro")
        try FS.writeAtomic("\(f.bundle)/rootfs/secret/file", "s")
        symlink("../../../../ro", "\(f.bundle)/rootfs/up")
        f.spec.linux?.maskedPaths = ["/secret"]
        f.spec.linux?.readonlyPaths = ["/up"]
        f.script("cat /secret/file 2>/dev/null || echo masked; touch /ro/x 2>/dev/null && echo writable || echo readonly")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "masked\nreadonly\n")
    }

    /// A working directory that is a symlink climbing out (`/work -> ../../..`) ends at the root.
    @Test func aWorkingDirectorySymlinkStaysInsideTheRoot() throws {
        let f = try Fixture("cwdlink")
        defer { f.cleanup() }
        symlink("../../..", "\(f.bundle)/rootfs/work")
        f.spec.process?.cwd = "/work"
        f.spec.process?.args = ["/bin/busybox", "pwd", "-P"]
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "/\n")
    }
}
