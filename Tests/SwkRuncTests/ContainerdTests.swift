import Glibc
import SwkSupport
import Testing

/// Debian's containerd 1.6, started by the test with its own root, state and socket, drives
/// swkube-runc through its runc v2 shim (`ctr --runc-binary`): run, exec, ps, pause/resume,
/// kill, delete. The busybox image is built locally with umoci and skopeo (no network).
@Suite(.enabled(if: Fixture.isRoot && Containerd.toolsPresent, "needs root, containerd, ctr, umoci and skopeo"))
struct ContainerdTests {
    @Test func ctrDrivesSwkubeRuncThroughTheRuncShim() throws {
        let f = try Fixture("ctrd")
        let daemon = try Containerd(dir: f.dir)
        defer {
            daemon.stop()
            f.cleanup()
        }
        let image = "docker.io/library/busybox:latest"
        try daemon.importBusybox(rootfs: "\(f.bundle)/rootfs", as: image)
        let runc = ["--runc-binary", Fixture.runtime]

        // Cgroups below the fixture's own path, which its cleanup removes (ctr's default is /default).
        let once = try daemon.ctr(["run", "--rm", "--cgroup", "\(f.cgroupPath)/once"] + runc
                                  + [image, "once", "sh", "-c", "echo hello; echo pid=$$"])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(once.stdout == "hello\npid=1\n")

        #expect(try daemon.ctr(["run", "-d", "--cgroup", "\(f.cgroupPath)/long"] + runc + [image, "long", "sleep", "1000"]).status == 0)
        let exec = try daemon.ctr(["task", "exec", "--exec-id", "e1", "long", "sh", "-c", "cat /proc/1/cmdline"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout.hasPrefix("sleep"))
        let ps = try daemon.ctr(["task", "ps", "long"])
        #expect(ps.status == 0 && ps.stdout.split(separator: "\n").count >= 2, "\(ps.stdout)\(ps.stderr)")
        #expect(try daemon.ctr(["task", "pause", "long"]).status == 0)
        #expect(try daemon.ctr(["task", "ls"]).stdout.contains("PAUSED"))
        #expect(try daemon.ctr(["task", "resume", "long"]).status == 0)
        #expect(try daemon.ctr(["task", "ls"]).stdout.contains("RUNNING"))
        #expect(try daemon.ctr(["task", "kill", "-s", "KILL", "long"]).status == 0)
        #expect(f.eventually { (try? daemon.ctr(["task", "ls"]).stdout.contains("STOPPED")) == true })
        #expect(try daemon.ctr(["task", "delete", "long"]).status == 0)
        #expect(try daemon.ctr(["container", "delete", "long"]).status == 0)
    }
}

/// A private containerd: config, root, state and socket under the test's directory.
struct Containerd {
    static var toolsPresent: Bool {
        ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/umoci", "/usr/bin/skopeo"].allSatisfy { FS.exists($0) }
    }

    let dir: String
    let socket: String
    let pid: pid_t

    init(dir: String) throws {
        self.dir = dir
        socket = "\(dir)/containerd.sock"
        let config = """
            version = 2
            root = "\(dir)/ctrd-root"
            state = "\(dir)/ctrd-state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "\(socket)"
            [ttrpc]
              address = "\(socket).ttrpc"
            """
        try FS.writeAtomic("\(dir)/containerd.toml", config)
        let log = open("\(dir)/containerd.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        defer { close(log) }
        pid = try Spawn.start(["/usr/bin/containerd", "--config", "\(dir)/containerd.toml"],
                              stdout: .fd(log), stderr: .fd(log), newSession: true)
        var ready = false
        for _ in 0..<2500 where !ready {
            ready = (try? Spawn.run(["/usr/bin/ctr", "-a", socket, "version"]).status) == 0
            if !ready {
                var ts = timespec(tv_sec: 0, tv_nsec: 4_000_000)
                nanosleep(&ts, nil)
            }
        }
        guard ready else {
            kill(pid, SIGKILL)
            _ = try? Spawn.wait(pid)
            throw SwkError(.unavailable, "containerd did not come up: \((try? FS.readString("\(dir)/containerd.log")) ?? "")")
        }
    }

    func ctr(_ args: [String]) throws -> Spawn.Output {
        try Spawn.run(["/usr/bin/ctr", "-a", socket] + args)
    }

    func importBusybox(rootfs: String, as ref: String) throws {
        let tar = try BusyboxImage.build(rootfs: rootfs, dir: dir, ref: ref)
        let out = try ctr(["images", "import", tar])
        guard out.status == 0 else { throw SwkError(.system, "ctr images import: \(out.stderr)") }
    }

    /// Stops the daemon; its shims and containers were deleted by the test already.
    func stop() {
        kill(pid, SIGTERM)
        _ = try? Spawn.wait(pid)
        unmountAll(under: dir)
    }
}

/// Unmounts whatever is still mounted below `dir` (snapshots of containers a failed test left).
func unmountAll(under dir: String) {
    let mounts = (try? FS.readString("/proc/self/mountinfo")) ?? ""
    for line in mounts.split(separator: "\n").reversed() {
        let fields = line.split(separator: " ")
        if fields.count > 4, fields[4].hasPrefix(dir) { umount2(String(fields[4]), Int32(MNT_DETACH)) }
    }
}

/// A one-layer image of a test rootfs, packed with umoci and converted with skopeo to a
/// docker-archive tarball that both `ctr images import` and `podman load` accept.
enum BusyboxImage {
    static func build(rootfs: String, dir: String, ref: String) throws -> String {
        let layout = "\(dir)/oci"
        let tar = "\(dir)/image.tar"
        let steps: [[String]] = [
            ["/usr/bin/umoci", "init", "--layout", layout],
            ["/usr/bin/umoci", "new", "--image", "\(layout):bb"],
            ["/usr/bin/umoci", "insert", "--image", "\(layout):bb", rootfs, "/"],
            ["/usr/bin/umoci", "config", "--image", "\(layout):bb", "--config.cmd", "sh", "--config.env", "PATH=/bin"],
            ["/usr/bin/skopeo", "copy", "oci:\(layout):bb", "docker-archive:\(tar):\(ref)"],
        ]
        for step in steps {
            let out = try Spawn.run(step)
            guard out.status == 0 else { throw SwkError(.system, "\(step.joined(separator: " ")): \(out.stderr)") }
        }
        return tar
    }
}
