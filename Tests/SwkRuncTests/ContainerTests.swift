import Glibc
import SwkSupport
import Testing
@testable import SwkRunc

/// End-to-end: the built swkube-runc runs a busybox bundle as root and the checks run *inside*
/// the container. Skipped (with the reason printed) when not root.
@Suite(.enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct ContainerTests {
    static let probe = """
        echo "pid=$$"
        echo "hostname=$(hostname)"
        test -e /etc/debian_version && echo "host-visible=yes" || echo "host-visible=no"
        echo "memlimit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"
        echo "kcore=$(cat /proc/kcore | wc -c)"
        echo 1 > /proc/sys/vm/overcommit_memory 2>/dev/null && echo "procsys=writable" || echo "procsys=readonly"
        echo "nofile=$(ulimit -n)"
        head -c 1 /dev/urandom > /dev/null && echo "urandom=ok" || echo "urandom=denied"
        head -c 1 /dev/mem > /dev/null 2>&1 && echo "mem=readable" || echo "mem=denied"
        """

    static let expected = [
        "pid=1", "hostname=swkbox", "host-visible=no", "memlimit=67108864", "kcore=0", "procsys=readonly",
        "nofile=1024", "urandom=ok", "mem=denied",
    ]

    @Test func runChecksIsolationFromInside() throws {
        let f = try Fixture("run")
        defer { f.cleanup() }
        f.script(Self.probe)
        try f.writeConfig()
        let out = try f.runtime(["run", "--bundle", f.bundle, f.id])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        for line in Self.expected { #expect(lines.contains(line), "missing \(line) in \(lines)") }
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }

    @Test(.enabled(if: FS.exists("/usr/sbin/runc"), "Debian's runc is not installed"))
    func sameBundleUnderRuncGivesSameAnswers() throws {
        let f = try Fixture("ref")
        defer { f.cleanup() }
        f.script(Self.probe)
        try f.writeConfig()
        let ours = try f.runtime(["run", "--bundle", f.bundle, f.id])
        let theirs = try f.runtime(["run", "--bundle", f.bundle, f.id + "-runc"], binary: "/usr/sbin/runc")
        #expect(theirs.status == 0, "runc stderr: \(theirs.stderr)")
        #expect(ours.stdout == theirs.stdout)
        let theirLines = theirs.stdout.split(separator: "\n").map(String.init)
        for line in Self.expected { #expect(theirLines.contains(line), "runc: missing \(line)") }
    }

    @Test func createBlocksUntilStartThenKillAndDeleteLeaveNothing() throws {
        let f = try Fixture("life")
        defer { f.cleanup() }
        try FS.makeDirectories("\(f.dir)/out")
        f.spec.mounts?.append(.init(destination: "/out", type: "bind", source: "\(f.dir)/out", options: ["rbind", "rw"]))
        f.script("touch /out/started; exec sleep 1000")
        try f.writeConfig()
        let pidFile = "\(f.dir)/pid"
        let created = try f.runtime(["create", "--bundle", f.bundle, "--pid-file", pidFile, f.id])
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let state = try f.runtime(["state", f.id])
        #expect(state.stdout.contains("\"status\": \"created\""))
        let pid = try FS.readString(pidFile)
        #expect(state.stdout.contains("\"pid\": \(pid)"))
        #expect(!FS.exists("\(f.dir)/out/started"), "the process ran before start")

        #expect(try f.runtime(["start", f.id]).status == 0)
        #expect(f.eventually { FS.exists("\(f.dir)/out/started") })
        #expect(try f.runtime(["state", f.id]).stdout.contains("\"status\": \"running\""))
        #expect(try f.runtime(["delete", f.id]).status == 1, "delete of a running container needs --force")

        #expect(try f.runtime(["kill", f.id, "SIGKILL"]).status == 0)
        #expect(f.eventually { (try? f.runtime(["state", f.id]).stdout.contains("\"status\": \"stopped\"")) == true })
        #expect(try f.runtime(["delete", f.id]).status == 0)
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
        #expect(try f.runtime(["delete", "--force", f.id]).status == 0, "--force of a missing container succeeds")
    }

    @Test func execJoinsTheContainerAndDeleteForceKillsIt() throws {
        let f = try Fixture("exec")
        defer { f.cleanup() }
        f.script("exec sleep 1000")
        try f.writeConfig()
        #expect(try f.runtime(["run", "-d", "--bundle", f.bundle, f.id]).status == 0)
        let exec = try f.runtime(["exec", f.id, "sh", "-c", "hostname; cat /proc/1/cmdline"])
        #expect(exec.status == 0, "stderr: \(exec.stderr)")
        #expect(exec.stdout.hasPrefix("swkbox\nsleep"))
        try FS.writeAtomic("\(f.bundle)/rootfs/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
        let asUser = try f.runtime(["exec", "--user", "app", f.id, "id"])
        #expect(asUser.stdout.hasPrefix("uid=1000(app) gid=1000"), "\(asUser.stdout)\(asUser.stderr)")
        #expect(try f.runtime(["exec", "--detach", f.id, "sleep", "999"]).status == 0)
        let ps = try f.runtime(["ps", "--format", "json", f.id])
        #expect(ps.stdout.hasPrefix("[") && ps.stdout.contains(","), "init and the detached sleep: \(ps.stdout)")
        try FS.writeAtomic("\(f.dir)/resources.json", #"{"pids":{"limit":42}}"#)
        #expect(try f.runtime(["update", "--memory", "33554432", "--resources", "\(f.dir)/resources.json", f.id]).status == 0)
        let cgroup = Cgroups.Container(host: Cgroups.Host.detect(), path: f.cgroupPath)
        let memory = try #require(cgroup.directory(for: "memory"))
        let pids = try #require(cgroup.directory(for: "pids"))
        #expect(try FS.readString("\(memory.dir)/\(memory.v2 ? "memory.max" : "memory.limit_in_bytes")") == "33554432\n")
        #expect(try FS.readString("\(pids.dir)/pids.max") == "42\n")
        #expect(try f.runtime(["pause", f.id]).status == 0)
        #expect(try f.runtime(["state", f.id]).stdout.contains("\"status\": \"paused\""))
        #expect(try f.runtime(["resume", f.id]).status == 0)
        #expect(try f.runtime(["delete", "--force", f.id]).status == 0)
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }
}
