import Glibc
import SwkSupport
import Testing

/// CVE-2019-5736 against a copy of the runtime: a container whose `/bin/true` is
/// `#!/proc/self/exe` gets the runtime's image run inside it by `exec /bin/true` (what an exec
/// probe does), holds its /proc/PID/exe and tries to rewrite it once it has exited
/// (Tests/Fixtures/exe-rewrite-attack.sh). The copy must come out byte for byte unchanged, and
/// with swkube-runc the attack must have held the sealed image (so the test is not vacuous; against
/// the unprotected binary of main it holds the host file and rewrites it). Debian's runc 1.1 is
/// compared too: on this kernel its image cannot even be re-executed from the container.
@Suite(.serialized, .enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct ExeSealTests {
    struct Runtime: Sendable, CustomTestStringConvertible {
        var name: String
        var binary: String
        /// The state root inside the binary's directory: overlayfs refuses layers that overlap,
        /// so swkube-runc falls back to its sealed memfd copy.
        var rootBesideBinary = false
        /// What the container sees as the runtime's image (/proc/PID/exe), when it is ours.
        var image: String?
        var testDescription: String { name }
    }

    static let runtimes: [Runtime] = {
        // Without overlayfs (or the new mount API) the runtime falls back to the memfd copy.
        let overlay = ((try? FS.readString("/proc/filesystems")) ?? "").contains("\toverlay\n")
        var list = [
            Runtime(name: "swkube-runc (overlayfs)", binary: Fixture.runtime, image: overlay ? "/swkube-runc" : "/memfd:swkube-runc (deleted)"),
            Runtime(name: "swkube-runc (memfd)", binary: Fixture.runtime, rootBesideBinary: true, image: "/memfd:swkube-runc (deleted)"),
        ]
        if FS.exists("/usr/sbin/runc") { list.append(Runtime(name: "runc", binary: "/usr/sbin/runc")) }
        return list
    }()

    static let attackScript: String = {
        var dir = FS.dirname(of: #filePath)
        while !FS.exists("\(dir)/Package.swift") && dir != "/" { dir = FS.dirname(of: dir) }
        return "\(dir)/Tests/Fixtures/exe-rewrite-attack.sh"
    }()

    @Test(arguments: runtimes)
    func aContainerCannotRewriteTheRuntimeThroughProcSelfExe(_ rt: Runtime) throws {
        let f = try Fixture("seal")
        let binDir = "\(f.dir)/bin"
        let runtime = "\(binDir)/\(FS.basename(of: rt.binary))"
        let root = rt.rootBesideBinary ? "\(binDir)/state" : f.root
        defer {
            _ = try? Spawn.run([runtime, "--root", root, "delete", "--force", f.id])
            f.cleanup()
        }
        let original = try FS.readBytes(rt.binary)
        try FS.makeDirectories(binDir)
        try FS.writeAtomic(runtime, original, mode: 0o755)
        for applet in ["rm", "mkfifo", "chmod", "readlink", "usleep", "seq"] {
            symlink("busybox", "\(f.bundle)/rootfs/bin/\(applet)")
        }
        try FS.writeAtomic("\(f.bundle)/rootfs/attack.sh", try FS.readBytes(Self.attackScript), mode: 0o755)
        try FS.makeDirectories("\(f.dir)/out")
        f.spec.mounts?.append(.init(destination: "/out", type: "bind", source: "\(f.dir)/out", options: ["rbind", "rw"]))
        f.script("sh /attack.sh > /out/report 2>&1")
        try f.writeConfig()
        let report = "\(f.dir)/out/report"
        func reported(_ line: String) -> Bool {
            ((try? FS.readString(report)) ?? "").split(separator: "\n").contains { $0.hasPrefix(line) }
        }

        let started = try Spawn.run([runtime, "--root", root, "run", "--detach", "--bundle", f.bundle, f.id])
        try #require(started.status == 0, "run: \(started.stderr)")
        try #require(f.eventually { reported("armed") }, "the attack never armed /bin/true")
        // The probe returns once the attack lets the runtime's image go on, or at once where the
        // runtime's image cannot even be run from the container (Debian's runc 1.1 on this kernel).
        let probe = try Spawn.start([runtime, "--root", root, "exec", f.id, "/bin/true"], stdout: .null, stderr: .null)
        var probeExited = false
        let settled = f.eventually {
            if !probeExited { probeExited = waitpid(probe, nil, WNOHANG) == probe }
            return reported("done") || (probeExited && !reported("held "))
        }
        if !probeExited {
            if !settled { kill(probe, SIGKILL) }
            _ = try Spawn.wait(probe)
        }

        let text = (try? FS.readString(report)) ?? ""
        let held = text.split(separator: "\n").first { $0.hasPrefix("held ") }
        if let image = rt.image {
            #expect(held?.hasSuffix(" \(image)") == true, "the attack never held our runtime's image: \(text)")
        }
        if held != nil { #expect(reported("refused: "), "\(text)") }
        #expect(try FS.readBytes(runtime) == original, "the runtime binary was rewritten from the container: \(text)")
    }

    /// The init stays a clone of the runtime until `start`: non-dumpable, so a process exec'd into
    /// the created container cannot even read its /proc/1/exe; its execve restores dumpability.
    @Test func theInitIsNotDumpableUntilItsExecve() throws {
        let f = try Fixture("dump")
        defer { f.cleanup() }
        symlink("busybox", "\(f.bundle)/rootfs/bin/readlink")
        f.spec.process?.args = ["sleep", "1000"]
        try f.writeConfig()
        let created = try f.runtime(["create", "--bundle", f.bundle, f.id])
        try #require(created.status == 0, "create: \(created.stderr)")
        let before = try f.runtime(["exec", f.id, "readlink", "/proc/1/exe"])
        #expect(before.status != 0 && before.stdout.isEmpty, "the runtime's image was readable: \(before.stdout)")
        #expect(try f.runtime(["start", f.id]).status == 0)
        #expect(f.eventually { (try? f.runtime(["exec", f.id, "readlink", "/proc/1/exe"]).stdout) == "/bin/busybox\n" })
    }

    /// The marker only says "already re-executed": an image that is not sealed is refused.
    @Test func theMarkerAloneIsNotTrusted() throws {
        let f = try Fixture("marker")
        defer { f.cleanup() }
        try f.writeConfig()
        let out = try Spawn.run([Fixture.runtime, "--root", f.root, "create", "--bundle", f.bundle, f.id],
                                env: ["_SWKUBE_RUNC_SEALED=1"])
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("swkube-runc: seal runtime binary: re-executed, yet /proc/self/exe is neither"), "\(out.stderr)")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }

    /// Neither image: overlayfs refuses the overlapping layers (state root below the binary) and
    /// vm.memfd_noexec=2, set in a pid namespace of the test's own, refuses the executable memfd.
    /// The verb stops and names both failed steps.
    @Test(.enabled(if: FS.exists("/proc/sys/vm/memfd_noexec"), "vm.memfd_noexec needs Linux 6.3"))
    func withNeitherImageTheVerbStopsNamingBothSteps() throws {
        let f = try Fixture("noseal")
        defer { f.cleanup() }
        try f.writeConfig()
        let binDir = "\(f.dir)/bin"
        try FS.makeDirectories(binDir)
        try FS.writeAtomic("\(binDir)/swkube-runc", try FS.readBytes(Fixture.runtime), mode: 0o755)
        let create = "echo 2 > /proc/sys/vm/memfd_noexec && exec \(binDir)/swkube-runc --root \(binDir)/state create --bundle \(f.bundle) \(f.id)"
        let out = try Spawn.run(["/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", create])
        #expect(out.status == 1)
        #expect(out.stderr == "swkube-runc: seal runtime binary: fsconfig create: Too many levels of symbolic links; memfd_create: Permission denied\n")
        #expect(!FS.exists("\(binDir)/state/\(f.id)"), "nothing was created")
    }
}
