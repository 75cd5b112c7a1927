import Glibc
import OCI
import SwkSupport
import Testing
@testable import SwkRunc

@Suite(.enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct NamespaceAndHookTests {
    @Test func userNamespaceWithMappings() throws {
        let f = try Fixture("userns")
        defer { f.cleanup() }
        let base: UInt32 = 200_000
        f.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        f.spec.linux?.namespaces?.append(LinuxNamespace(type: "cgroup"))
        f.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: base, size: 65536)]
        f.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: base, size: 65536)]
        f.spec.linux?.devices = nil  // bound from the host in a user namespace, and this host has no /dev/mem
        f.script("id; cat /proc/self/uid_map")
        try f.writeConfig()
        #expect(try Spawn.run(["/bin/chown", "-R", "\(base):\(base)", "\(f.bundle)/rootfs"]).status == 0)
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("uid=0 gid=0"))
        let map = out.stdout.split(separator: "\n").last?.split(separator: " ").map(String.init) ?? []
        #expect(map == ["0", "\(base)", "65536"], "\(out.stdout)")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }

    @Test func joinsNamespacesByPath() throws {
        let f = try Fixture("join")
        defer { f.cleanup() }
        // A sleeping helper container owns the uts namespace; the second one joins it by path.
        f.script("exec sleep 1000")
        try f.writeConfig()
        let pidFile = "\(f.dir)/pid"
        #expect(try f.runtime(["run", "-d", "--pid-file", pidFile, "--bundle", f.bundle, f.id]).status == 0)
        let pid = try FS.readString(pidFile)
        let g = try Fixture("joiner")
        defer { g.cleanup() }
        g.spec.hostname = nil
        let joined = (g.spec.linux?.namespaces ?? []).map {
            ["uts", "pid"].contains($0.type) ? LinuxNamespace(type: $0.type, path: "/proc/\(pid)/ns/\($0.type)") : $0
        }
        g.spec.linux?.namespaces = joined
        var hooks = Hooks()
        // A prestart hook runs in the runtime's namespaces, not the joined pid namespace.
        hooks.prestart = [Hook(path: "/bin/sh", args: ["sh", "-c", "readlink /proc/self/ns/pid > \(g.dir)/hook.pidns"])]
        g.spec.hooks = hooks
        g.script("hostname; cat /proc/1/comm")
        try g.writeConfig()
        let out = try g.runtime(["run", "--bundle", g.bundle, g.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "swkbox\nsleep\n")
        let ours = try Spawn.run(["/bin/readlink", "/proc/self/ns/pid"]).stdout
        #expect(try FS.readString("\(g.dir)/hook.pidns") == ours)
    }

    /// A mount namespace made elsewhere (`unshare --mount`, as runtime-tools' linux_ns_path does)
    /// is joined and the rootfs set up inside it.
    @Test func joinsAMountNamespaceByPath() throws {
        let f = try Fixture("joinmnt")
        defer { f.cleanup() }
        let holder = try Spawn.start(["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sleep", "1000"])
        defer {
            kill(holder, SIGKILL)
            _ = try? Spawn.wait(holder)
        }
        let own = Namespaces.inode(pid: "self", "mnt")
        var holderNS: UInt64?
        for _ in 0..<2000 where holderNS == nil || holderNS == own {
            holderNS = Namespaces.inode(pid: String(holder), "mnt")
            var ts = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&ts, nil)
        }
        let target = try #require(holderNS)
        #expect(target != own)
        let namespaces = (f.spec.linux?.namespaces ?? []).map {
            $0.type == "mount" ? LinuxNamespace(type: "mount", path: "/proc/\(holder)/ns/mnt") : $0
        }
        f.spec.linux?.namespaces = namespaces
        f.spec.process?.args = ["sh", "-c", "readlink /proc/self/ns/mnt"]
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout == "mnt:[\(target)]\n")
    }

    /// rootfsPropagation "shared" makes "/" shared before pivot_root, which refuses a new root
    /// whose parent mount is shared (runtime-tools' linux_rootfs_propagation).
    @Test(arguments: ["shared", "slave", "private"])
    func rootfsPropagation(_ mode: String) throws {
        let f = try Fixture("prop-\(mode)")
        defer { f.cleanup() }
        f.spec.linux?.rootfsPropagation = mode
        // The root mount's line without its first four fields: options, optional tags, "-", …
        f.script("while read id parent dev root mp rest; do [ \"$mp\" = / ] && echo \"$rest\"; done < /proc/self/mountinfo; true")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let tags = out.stdout.split(separator: " ").dropFirst().prefix { $0 != "-" }
        #expect(!out.stdout.isEmpty)
        // slave and private both keep the container's mounts from reaching the host.
        #expect(tags.contains { $0.hasPrefix("shared:") } == (mode == "shared"), "\(out.stdout)")
    }

    /// No mount namespace in the config: the runtime's is inherited (runtime-tools'
    /// linux_ns_itype). The rootfs is set up there and chrooted into, "/" keeps its propagation,
    /// and delete leaves no mount behind.
    @Test func withoutAMountNamespaceTheRootfsIsChrootedAndCleanedUp() throws {
        let f = try Fixture("nomntns")
        defer { f.cleanup() }
        let namespaces = (f.spec.linux?.namespaces ?? []).filter { $0.type != "mount" }
        f.spec.linux?.namespaces = namespaces
        f.script("readlink /proc/self/ns/mnt; ls /bin/busybox")
        try f.writeConfig()
        func rootLine() -> Substring? {
            ((try? FS.readString("/proc/self/mountinfo")) ?? "").split(separator: "\n").first {
                $0.split(separator: " ").dropFirst(4).first == "/"
            }.map { $0.split(separator: " ", maxSplits: 4).last ?? "" }
        }
        let rootBefore = rootLine()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let ours = try Spawn.run(["/bin/readlink", "/proc/self/ns/mnt"]).stdout
        #expect(out.stdout == ours + "/bin/busybox\n")
        #expect(rootLine() == rootBefore)
        let mountinfo = try FS.readString("/proc/self/mountinfo")
        #expect(!mountinfo.contains(f.bundle), "left mounted: \(mountinfo.split(separator: "\n").filter { $0.contains(f.bundle) })")
    }

    @Test func hooksGetTheStateOnStdin() throws {
        let f = try Fixture("hooks")
        defer { f.cleanup() }
        var hooks = Hooks()
        hooks.prestart = [Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(f.dir)/prestart.json"])]
        // A failing poststart or poststop hook is only a warning: the hooks after it still run
        // and the container is deleted all the same (runtime-tools' poststart_fail, poststop_fail).
        hooks.poststart = [Hook(path: "/bin/sh", args: ["sh", "-c", "exit 4"]),
                           Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(f.dir)/poststart.json"])]
        hooks.poststop = [Hook(path: "/bin/sh", args: ["sh", "-c", "exit 3"]),
                          Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(f.dir)/poststop.json"])]
        f.spec.hooks = hooks
        f.script("true")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(try FS.readString("\(f.dir)/prestart.json").contains("\"id\":\"\(f.id)\""))
        #expect(try FS.readString("\(f.dir)/poststart.json").contains("\"status\":\"running\""))
        #expect(try FS.readString("\(f.dir)/poststop.json").contains("\"status\":\"stopped\""))
        #expect(out.stderr.contains("warning: hooks.poststart[0]"), "\(out.stderr)")
        #expect(out.stderr.contains("warning: hooks.poststop[0]"), "\(out.stderr)")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }

    @Test func containerHooksRunInTheContainersNamespaces() throws {
        let f = try Fixture("cthooks")
        defer { f.cleanup() }
        try FS.makeDirectories("\(f.dir)/out")
        f.spec.mounts?.append(.init(destination: "/out", type: "bind", source: "\(f.dir)/out", options: ["rbind", "rw"]))
        var hooks = Hooks()
        // createContainer: before pivot_root, in the container's mount namespace, so the bind
        // mount is visible under the rootfs path (and only there: the host has no such mount).
        let inner = "\(f.bundle)/rootfs/out"
        hooks.createContainer = [Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(inner)/create.json; echo ok > \(inner)/create.ns"])]
        // startContainer: the path resolves inside the container (busybox sh).
        hooks.startContainer = [Hook(path: "/bin/sh", args: ["sh", "-c", "cat > /out/start.json; echo $$ > /out/start.pid"])]
        f.spec.hooks = hooks
        f.script("true")
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(try FS.readString("\(f.dir)/out/create.json").contains("\"id\":\"\(f.id)\""))
        #expect(try FS.readString("\(f.dir)/out/create.ns") == "ok\n")
        #expect(try FS.readString("\(f.dir)/out/start.json").contains("\"status\":\"created\""))
        let pid = Int(Cgroups.trim(try FS.readString("\(f.dir)/out/start.pid"))) ?? 0
        #expect(pid > 1 && pid < 10, "a child of the init, in its pid namespace: \(pid)")
    }

    @Test func failingCreateContainerHookFailsCreate() throws {
        let f = try Fixture("badhook")
        defer { f.cleanup() }
        var hooks = Hooks()
        hooks.createContainer = [Hook(path: "/bin/sh", args: ["sh", "-c", "exit 7"])]
        f.spec.hooks = hooks
        f.script("true")
        try f.writeConfig()
        let out = try f.runtime(["create", "--bundle", f.bundle, f.id])
        #expect(out.status == 1)
        #expect(out.stderr == "swkube-runc: hooks.createContainer /bin/sh: exited with status 7\n")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }
}
