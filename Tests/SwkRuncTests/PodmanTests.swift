import Glibc
import SwkSupport
import Testing

let podmanToolsPresent = ["/usr/bin/podman", "/usr/bin/umoci", "/usr/bin/skopeo", "/usr/bin/script"].allSatisfy { FS.exists($0) }

/// `podman --runtime <swkube-runc> run --rm`, with and without `-t`, in a private podman store.
/// This host's root lacks CAP_SYS_RESOURCE and conmon runs with RLIMIT_NPROC 32768, so podman's
/// default rlimits cannot be applied by any runtime (runc fails the same way): the test gives
/// podman a containers.conf with limits at or below those.
@Suite(.enabled(if: Fixture.isRoot && podmanToolsPresent, "needs root, podman, umoci, skopeo and script"))
struct PodmanTests {
    @Test func podmanRunsWithAndWithoutTerminal() throws {
        let f = try Fixture("podman")
        defer {
            _ = try? podman(f, ["rm", "-af"])
            unmountAll(under: f.dir)
            f.cleanup()
        }
        try FS.writeAtomic("\(f.dir)/containers.conf", """
            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=32768:32768"]
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            """)
        let ref = "docker.io/library/busybox:latest"
        let tar = try BusyboxImage.build(rootfs: "\(f.bundle)/rootfs", dir: f.dir, ref: ref)
        let load = try podman(f, ["load", "-i", tar])
        try #require(load.status == 0, "\(load.stderr)")
        let plain = try podman(f, ["--runtime", Fixture.runtime, "run", "--rm", "--network", "none",
                                   "--cgroup-parent", f.cgroupPath, ref,
                                   "sh", "-c", "echo pid=$$; test -t 0 && echo tty || echo notty"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout == "pid=1\nnotty\n")
        // -t needs a terminal on our side too: util-linux `script` provides one.
        let command = (podmanArgs(f) + ["--runtime", Fixture.runtime, "run", "--rm", "-t", "--network", "none",
                                        "--cgroup-parent", f.cgroupPath, ref,
                                        "sh", "-c", "'test -t 0 && echo tty-ok'"]).joined(separator: " ")
        let tty = try Spawn.run(["/usr/bin/script", "-qec", command, "/dev/null"], env: environment(f))
        #expect(tty.status == 0, "\(tty.stdout)\(tty.stderr)")
        #expect(tty.stdout.contains("tty-ok"))
    }

    private func podmanArgs(_ f: Fixture) -> [String] {
        ["/usr/bin/podman", "--root", "\(f.dir)/podman-root", "--runroot", "\(f.dir)/podman-run", "--storage-driver", "overlay"]
    }

    private func environment(_ f: Fixture) -> [String] {
        ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=\(f.dir)/containers.conf", "HOME=\(f.dir)"]
    }

    private func podman(_ f: Fixture, _ args: [String]) throws -> Spawn.Output {
        try Spawn.run(podmanArgs(f) + args, env: environment(f))
    }
}
