import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

/// End-to-end: real namespaces, overlay mounts, the shim and an OCI runtime (runc by default;
/// set SWKUBE_TEST_RUNTIME to run the same suite against swkube-runc).
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct LocalRuntimeTests {
    @Test func sandboxPinsNamespacesAndRemovalLeavesNothing() async throws {
        try await Harness.with { h in
            let id = try await h.runtime.runPodSandbox(h.sandboxConfig())
            let dir = "\(h.base)/run/sandboxes/\(id)"
            #expect(id.count == 64)
            for kind in ["net", "ipc", "uts"] { #expect(mountTable().contains("\(dir)/ns/\(kind)")) }
            let status = try await h.runtime.podSandboxStatus(id)
            #expect(status.state == .ready)
            #expect(status.createdAt == Harness.clockNow)
            #expect(try await h.runtime.listPodSandbox(PodSandboxFilter(labelSelector: ["test": "runtime"])).map(\.id) == [id])
            #expect(try await h.runtime.listPodSandbox(PodSandboxFilter(labelSelector: ["test": "other"])).isEmpty)

            try await h.runtime.stopPodSandbox(id)
            #expect(try await h.runtime.podSandboxStatus(id).state == .notReady)
            #expect(!mountTable().contains(dir))
            try await h.runtime.stopPodSandbox(id)
            try await h.runtime.removePodSandbox(id)
            try await h.runtime.removePodSandbox(id)
            #expect(!FS.exists(dir))
            await #expect(throws: SwkError.self) { try await h.runtime.podSandboxStatus(id) }
        }
    }

    @Test func hostNetworkSandboxCreatesNoNetworkNamespace() async throws {
        try await Harness.with { h in
            var config = h.sandboxConfig()
            config.linux.namespaceOptions.network = .node
            let id = try await h.runtime.runPodSandbox(config)
            let dir = "\(h.base)/run/sandboxes/\(id)"
            #expect(!mountTable().contains("\(dir)/ns/net"))
            #expect(mountTable().contains("\(dir)/ns/ipc"))
        }
    }

    @Test func exitCodeReasonAndCRILogs() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sh", "-c", "echo hi; hostname; echo err >&2; exit 3"])
            #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
            let status = try await h.runtime.containerStatus(id)
            #expect(status.exitCode == 3)
            #expect(status.reason == "Error")
            #expect(status.startedAt == Harness.clockNow)
            #expect(status.finishedAt > 0)
            #expect(status.logPath == "\(h.logDir)/main/0.log")
            let lines = try criLogLines(status.logPath)
            #expect(lines.contains { $0 == ("stdout", "F", "hi") })
            #expect(lines.contains { $0 == ("stdout", "F", "web") })
            #expect(lines.contains { $0 == ("stderr", "F", "err") })
            #expect(try await h.runtime.listContainers(ContainerFilter(labelSelector: [KubeLabels.containerName: "main"])).map(\.state) == [.exited])
        }
    }

    @Test func longLinesAreSplitIntoPartials() async throws {
        try await Harness.with { h in
            // 40000 'x' then a newline: two 16 KiB `P` records and a final `F` record.
            let (_, id) = try await h.runContainer(["sh", "-c", "i=0; s=xxxxxxxxxx; while [ $i -lt 4000 ]; do printf $s; i=$((i+1)); done; echo; exit 0"])
            #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
            let status = try await h.runtime.containerStatus(id)
            #expect(status.reason == "Completed")
            let lines = try criLogLines(status.logPath)
            #expect(lines.map(\.tag) == ["P", "P", "F"])
            #expect(lines.map(\.text.count).reduce(0, +) == 40000)
        }
    }

    @Test func stopWithGraceLetsTheContainerHandleTERM() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sh", "-c", "trap 'exit 42' TERM; echo ready; while true; do sleep 0.1; done"])
            let log = "\(h.logDir)/main/0.log"
            #expect(try await eventually { (try? criLogLines(log))?.contains { $0.text == "ready" } ?? false })
            try await h.runtime.stopContainer(id, timeout: 30)
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .exited)
            #expect(status.exitCode == 42)
        }
    }

    @Test func stopKillsWhenTheGracePeriodEnds() async throws {
        try await Harness.with { h in
            // As pid 1 without a handler, sleep ignores SIGTERM: only the SIGKILL ends it.
            let (_, id) = try await h.runContainer(["sleep", "1000"])
            try await h.runtime.stopContainer(id, timeout: 1)
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .exited)
            #expect(status.exitCode == 128 + SIGKILL)
            #expect(status.reason == "Error")
        }
    }

    @Test func aNewRuntimeAdoptsRunningContainersAndSeesExitsThatHappenedMeanwhile() async throws {
        try await Harness.with { h in
            let (sandbox, id) = try await h.runContainer(["sleep", "1000"])
            let pid = try await h.runtime.containerStatus(id).pid
            #expect(pid > 0)

            let second = try h.reopened()
            let adopted = try await second.runtime.containerStatus(id)
            #expect(adopted.state == .running)
            #expect(adopted.pid == pid)
            #expect(try await second.runtime.listPodSandbox(nil).map(\.id) == [sandbox])

            // The container dies while no runtime object exists; its shim records the exit.
            #expect(kill(pid, SIGKILL) == 0)
            #expect(try await eventually { Proc.startTime(pid) == nil })
            let third = try h.reopened()
            #expect(try await eventually { try await third.runtime.containerStatus(id).state == .exited })
            #expect(try await third.runtime.containerStatus(id).exitCode == 137)
        }
    }

    @Test func removeLeavesNoMountCgroupOrProcess() async throws {
        try await Harness.with { h in
            let (sandbox, id) = try await h.runContainer(["sleep", "1000"]) { c in
                c.linux.resources.memoryLimitInBytes = 64 << 20
            }
            let pid = try await h.runtime.containerStatus(id).pid
            let cgroup = "/sys/fs/cgroup/memory/swkube/\(h.podUID)/\(id)"
            let v1Memory = FS.isDirectory("/sys/fs/cgroup/memory/swkube")
            if v1Memory {
                #expect(try FS.readString("\(cgroup)/memory.limit_in_bytes") == "67108864\n")
            }
            #expect(mountTable().contains(id))

            try await h.runtime.removeContainer(id)
            #expect(Proc.startTime(pid) == nil)
            #expect(!mountTable().contains(id))
            #expect(!FS.exists(cgroup))
            #expect(!FS.exists("\(h.base)/run/containers/\(id)"))
            #expect(!FS.exists("\(h.base)/lib/containers/\(id)"))
            #expect(try await h.runtime.listContainers(nil).isEmpty)
            await #expect(throws: SwkError.self) { try await h.runtime.containerStatus(id) }
            try await h.runtime.removeContainer(id)

            try await h.runtime.removePodSandbox(sandbox)
            #expect(!FS.exists("/sys/fs/cgroup/memory/swkube/\(h.podUID)"))
        }
    }

    @Test func removingTheSandboxRemovesItsRunningContainers() async throws {
        try await Harness.with { h in
            let (sandbox, id) = try await h.runContainer(["sleep", "1000"])
            let pid = try await h.runtime.containerStatus(id).pid
            try await h.runtime.removePodSandbox(sandbox)
            #expect(Proc.startTime(pid) == nil)
            #expect(!mountTable().contains(h.base))
            #expect(try await h.runtime.listContainers(nil).isEmpty)
        }
    }

    @Test func imageUserAndWorkingDirectoryReachTheProcess() async throws {
        let image = RuntimeImage(id: "sha256:app", lowerDirs: [], user: "app", workingDir: "/tmp",
                                 env: ["GREETING=image"], cmd: ["sh", "-c", "id -u; id -g; pwd; echo $GREETING $HOSTNAME"])
        try await Harness.with(image: image) { h in
            let sc = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(sc)
            let id = try await h.runtime.createContainer(sandbox, ContainerConfig(metadata: ContainerMetadata(name: "c"),
                                                                                  image: ImageSpec(image: "busybox")), sc)
            #expect(try await h.runtime.containerStatus(id).state == .created)
            try await h.runtime.startContainer(id)
            #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
            let status = try await h.runtime.containerStatus(id)
            #expect(status.exitCode == 0)
            #expect(status.imageRef == "sha256:app")
            // No logPath in the config: the log stays beside the container's state.
            #expect(try criLogLines(status.logPath).map(\.text) == ["1000", "1000", "/tmp", "image web"])
        }
    }

    @Test func failedCreateReportsTheCauseAndLeavesNothing() async throws {
        try await Harness.with { h in
            let sc = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(sc)
            await #expect(throws: SwkError.self) {
                _ = try await h.runtime.createContainer(sandbox, ContainerConfig(metadata: ContainerMetadata(name: "c"),
                                                                                 image: ImageSpec(image: "missing")), sc)
            }
            var broken = h.containerConfig(["/no/such/binary"])
            broken.mounts = [Mount(containerPath: "/data", hostPath: "\(h.base)/no-such-dir")]
            do {
                _ = try await h.runtime.createContainer(sandbox, broken, sc)
                Issue.record("create with a missing bind-mount source succeeded")
            } catch let error as SwkError {
                #expect(error.message.contains("no-such-dir"))
            }
            #expect(try FS.list("\(h.base)/run/containers").isEmpty)
            #expect(try FS.list("\(h.base)/lib/containers").isEmpty)
            #expect(!mountTable().contains("\(h.base)/run/containers"))
        }
    }

    @Test func theShimIsDetachedFromItsLauncher() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sleep", "1000"])
            let pids = try FS.readString("\(h.base)/run/containers/\(id)/pids").split(separator: " ")
            let shim = try #require(pids.count == 4 ? Int32(pids[2]) : nil)
            let stat = try FS.readString("/proc/\(shim)/stat")
            let fields = try #require(stat.lastIndex(of: ")").map { stat[stat.index(after: $0)...].split(separator: " ") })
            // Not our child and not in our session: killing the daemon cannot take it along.
            #expect(Int32(fields[1]) != getpid())
            #expect(Int32(fields[3]) != getsid(0))
            // It holds none of the launcher's stdio: /dev/null twice and its own log.
            func target(_ fd: Int) -> String {
                var buf = [CChar](repeating: 0, count: 4096)
                let n = readlink("/proc/\(shim)/fd/\(fd)", &buf, buf.count - 1)
                return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
            }
            #expect(target(0) == "/dev/null")
            #expect(target(1) == "/dev/null")
            #expect(target(2) == "\(h.base)/run/containers/\(id)/shim.log")
        }
    }

    @Test func aContainerOverItsMemoryLimitIsOOMKilled() async throws {
        try await Harness.with { h in
            // The shell keeps the command substitution's output in memory: far over 16 MiB.
            let (_, id) = try await h.runContainer(["sh", "-c", "x=$(cat /dev/zero | head -c 200000000 | tr '\\0' a); echo survived"]) { c in
                c.linux.resources.memoryLimitInBytes = 16 << 20
            }
            #expect(try await eventually(seconds: 60) { try await h.runtime.containerStatus(id).state == .exited })
            let status = try await h.runtime.containerStatus(id)
            #expect(status.reason == "OOMKilled")
            #expect(status.exitCode == 128 + SIGKILL)
        }
    }

    @Test func aContainerWhoseShimWasKilledIsUnknownAndStillRemovable() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sleep", "1000"])
            let pids = try FS.readString("\(h.base)/run/containers/\(id)/pids").split(separator: " ")
            let pid = try #require(Int32(pids[0])), shim = try #require(Int32(pids[2]))
            #expect(kill(shim, SIGKILL) == 0)
            #expect(kill(pid, SIGKILL) == 0)
            #expect(try await eventually { Proc.startTime(pid) == nil && Proc.startTime(shim) == nil })
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .unknown)
            #expect(status.reason == "Unknown")
            try await h.runtime.removeContainer(id)
            #expect(!mountTable().contains(id))
        }
    }

    @Test func versionNamesTheOCIRuntime() async throws {
        try await Harness.with { h in
            let v = try await h.runtime.version()
            #expect(v.runtimeName == "swkube")
            #expect(v.runtimeVersion != "unknown")
            #expect(v.runtimeApiVersion == "v1")
        }
    }

    @Test func theSandboxCgroupParentHoldsItsContainers() async throws {
        try await Harness.with { h in
            var sc = h.sandboxConfig()
            sc.linux.cgroupParent = "/swkube/parent-\(h.podUID)"
            let sandbox = try await h.runtime.runPodSandbox(sc)
            let id = try await h.runtime.createContainer(sandbox, h.containerConfig(["sleep", "1000"]), sc)
            let status = try await h.runtime.containerStatus(id)
            let cgroups = try FS.readString("/proc/\(status.pid)/cgroup")
            #expect(cgroups.contains("/swkube/parent-\(h.podUID)/\(id)"))
            // The statuses report where the runtime put them, which the daemon records for swkubectl.
            #expect(status.info[StatusInfo.cgroupsPath] == "/swkube/parent-\(h.podUID)/\(id)")
            #expect(try await h.runtime.podSandboxStatus(sandbox).info[StatusInfo.cgroupsPath] == "/swkube/parent-\(h.podUID)")
            try await h.runtime.removePodSandbox(sandbox)
            #expect(!FS.exists("/sys/fs/cgroup/pids/swkube/parent-\(h.podUID)"))
        }
    }

    @Test func aCreatedContainerThatNeverStartedStopsAndIsRemoved() async throws {
        try await Harness.with { h in
            let sc = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(sc)
            let id = try await h.runtime.createContainer(sandbox, h.containerConfig(["sleep", "1000"]), sc)
            let created = try await h.runtime.containerStatus(id)
            #expect(created.state == .created)
            #expect(created.startedAt == 0)
            try await h.runtime.stopContainer(id, timeout: 10)
            #expect(try await h.runtime.containerStatus(id).state == .exited)
            await #expect(throws: SwkError.self) { try await h.runtime.startContainer(id) }
            try await h.runtime.removeContainer(id)
            #expect(Proc.startTime(created.pid) == nil)
        }
    }

    @Test func theContainerIsPID1InThePodsNetworkWithLoopbackUp() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sh", "-c", "echo $$; ls /sys/class/net; cat /sys/class/net/lo/flags; cat /etc/hostname"])
            #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
            let status = try await h.runtime.containerStatus(id)
            #expect(status.exitCode == 0)
            // 0x9 = IFF_UP | IFF_LOOPBACK; `lo` is the only interface until CNI adds one.
            #expect(try criLogLines(status.logPath).map(\.text) == ["1", "lo", "0x9", "web"])
        }
    }

    @Test func theSandboxResolvConfIsWrittenFromItsDNSConfigOrCopiedFromTheHost() async throws {
        try await Harness.with { h in
            var config = h.sandboxConfig(name: "dns")
            config.dnsConfig = DNSConfig(servers: ["192.0.2.53"], searches: ["edge.example"], options: ["ndots:2"])
            let withDNS = try await h.runtime.runPodSandbox(config)
            let container = try await h.runtime.createContainer(withDNS, h.containerConfig(["cat", "/etc/resolv.conf"]), config)
            try await h.runtime.startContainer(container)
            #expect(try await eventually { try await h.runtime.containerStatus(container).state == .exited })
            let lines = try criLogLines(try await h.runtime.containerStatus(container).logPath).map(\.text)
            #expect(lines == ["nameserver 192.0.2.53", "search edge.example", "options ndots:2"])
            // Without a DNSConfig the sandbox gets the host's file as it is.
            let plain = try await h.runtime.runPodSandbox(h.sandboxConfig(name: "plain"))
            #expect(try FS.readString("\(h.base)/run/sandboxes/\(plain)/resolv.conf") == ((try? FS.readString("/etc/resolv.conf")) ?? ""))
        }
    }

    @Test func thePodCgroupGetsThePodsLimitsAndGoesWithTheSandbox() async throws {
        try await Harness.with { h in
            var sc = h.sandboxConfig()
            sc.linux.cgroupParent = "/swkube/limits-\(h.podUID)"
            var limits = LinuxContainerResources()
            limits.cpuShares = 256
            limits.cpuPeriod = 100_000
            limits.cpuQuota = 50_000
            limits.memoryLimitInBytes = 48 << 20
            sc.linux.resources = limits
            let sandbox = try await h.runtime.runPodSandbox(sc)
            let id = try await h.runtime.createContainer(sandbox, h.containerConfig(["sleep", "1000"]), sc)
            try await h.runtime.startContainer(id)
            let v2 = FS.exists("/sys/fs/cgroup/cgroup.controllers")
            func read(_ v1Controller: String, _ file: String) -> String {
                let dir = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/\(v1Controller)"
                return ((try? FS.readString("\(dir)/swkube/limits-\(h.podUID)/\(file)")) ?? "").split(separator: "\n").first.map(String.init) ?? ""
            }
            if v2 {
                #expect(read("", "memory.max") == String(48 << 20))
                #expect(read("", "cpu.max") == "50000 100000")
                #expect(read("", "cpu.weight") == String(PodCgroup.weight(shares: 256)))
            } else {
                #expect(read("memory", "memory.limit_in_bytes") == String(48 << 20))
                #expect(read("cpu", "cpu.shares") == "256")
                #expect(read("cpu", "cpu.cfs_quota_us") == "50000")
            }
            // The container runs under it.
            let pid = try await h.runtime.containerStatus(id).pid
            #expect(try FS.readString("/proc/\(pid)/cgroup").contains("/swkube/limits-\(h.podUID)/\(id)"))
            try await h.runtime.removePodSandbox(sandbox)
            #expect(!FS.exists("/sys/fs/cgroup/memory/swkube/limits-\(h.podUID)"))
            #expect(!FS.exists("/sys/fs/cgroup/cpu/swkube/limits-\(h.podUID)"))
        }
    }
}
