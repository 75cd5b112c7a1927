import CRI
import FoundationEssentials
import Glibc
import OCI
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

/// CRI security context → config.json, without running anything.
struct BundleSecurityTests {
    static func bundle(_ sec: LinuxContainerSecurityContext, user: ProcessSpec.User = .init(uid: 0, gid: 0, additionalGids: []),
                       seccomp: LinuxSeccomp? = nil) throws -> BundleConfig {
        try BundleConfig.make(.init(args: ["sh"], env: [], cwd: "/", user: user, hostname: "", sharedNamespaces: [:],
                                    cgroupsPath: "/swkube/u/c", resources: .init(), mounts: [], etcFiles: [],
                                    security: sec, seccomp: seccomp))
    }

    @Test(arguments: [
        (Capability(), BundleConfig.defaultCapabilities),
        (Capability(dropCapabilities: ["ALL"]), []),
        (Capability(addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"]), ["CAP_NET_ADMIN"]),
        (Capability(addCapabilities: ["cap_sys_time"], dropCapabilities: ["NET_RAW", "CAP_KILL"]),
         BundleConfig.defaultCapabilities.filter { !["CAP_NET_RAW", "CAP_KILL"].contains($0) } + ["CAP_SYS_TIME"]),
    ])
    func capabilitiesAddAndDropOnTheDefaultSet(_ cap: Capability, _ expected: [String]) throws {
        #expect(try BundleSecurity.capabilities(cap, privileged: false) == expected)
    }

    @Test func addAllGivesEveryCapabilityTheKernelKnows() throws {
        let all = try BundleSecurity.capabilities(Capability(addCapabilities: ["ALL"], dropCapabilities: ["SYS_ADMIN"]), privileged: false)
        #expect(all.count == BundleSecurity.hostCapabilities().count - 1 && !all.contains("CAP_SYS_ADMIN"))
        #expect(throws: SwkError.self) { try BundleSecurity.capabilities(Capability(addCapabilities: ["FLY"]), privileged: false) }
    }

    @Test func defaultsMatchContainerd() throws {
        let b = try Self.bundle(.init())
        #expect(b.process.capabilities.effective == BundleConfig.defaultCapabilities)
        #expect(!b.process.noNewPrivileges && !b.root.readonly && b.linux.seccomp == nil)
        #expect(b.linux.maskedPaths == BundleConfig.defaultMaskedPaths)
        #expect(b.linux.readonlyPaths == BundleConfig.defaultReadonlyPaths)
        #expect(b.mounts.first { $0.destination == "/sys" }?.options.contains("ro") == true)
    }

    @Test func privilegedGetsAllCapabilitiesNoMasksAndWritableSys() throws {
        var sec = LinuxContainerSecurityContext()
        sec.privileged = true
        sec.seccomp = SecurityProfile(profileType: .runtimeDefault)
        let b = try Self.bundle(sec, seccomp: try BundleSecurity.seccomp(sec.seccomp, privileged: true, capabilities: [],
                                                                              profileDir: "/nonexistent"))
        #expect(b.process.capabilities.bounding == BundleSecurity.hostCapabilities())
        #expect(b.linux.maskedPaths.isEmpty && b.linux.readonlyPaths.isEmpty && b.linux.seccomp == nil)
        #expect(b.mounts.first { $0.destination == "/sys" }?.options.contains("ro") == false)
    }

    @Test func privilegedAddsHostDevicesAndAllowsEveryDevice() throws {
        let devices = [BundleConfig.Device(path: "/dev/kvm", type: "c", major: 10, minor: 232, fileMode: 0o660, uid: 0, gid: 104)]
        var sec = LinuxContainerSecurityContext()
        sec.privileged = true
        let privileged = try BundleConfig.make(.init(args: ["sh"], env: [], cwd: "/", user: .init(uid: 0, gid: 0, additionalGids: []),
                                                     hostname: "", sharedNamespaces: [:], cgroupsPath: "/c", resources: .init(),
                                                     mounts: [], etcFiles: [], security: sec, hostDevices: devices))
        #expect(privileged.linux.devices == devices)
        #expect(privileged.linux.resources.devices == [BundleConfig.DeviceRule(allow: true, access: "rwm")])
        let plain = try Self.bundle(LinuxContainerSecurityContext())
        #expect(plain.linux.devices == nil)
        #expect(plain.linux.resources.devices == [BundleConfig.DeviceRule(allow: false, access: "rwm")])
    }

    @Test func hostDevicesAreListedAsContainerdListsThem() throws {
        let dir = try Harness.makeTempDir()
        defer { try? FS.removeTree(dir) }
        for sub in ["pts", "net", "shm"] { try FS.makeDirectories("\(dir)/\(sub)") }
        #expect(mknod("\(dir)/null", mode_t(S_IFCHR) | 0o666, dev_t((1 << 8) | 3)) == 0)
        #expect(mknod("\(dir)/console", mode_t(S_IFCHR) | 0o600, dev_t((5 << 8) | 1)) == 0)
        #expect(mknod("\(dir)/net/tun", mode_t(S_IFCHR) | 0o666, dev_t((10 << 8) | 200)) == 0)
        #expect(mknod("\(dir)/pts/0", mode_t(S_IFCHR) | 0o620, dev_t((136 << 8) | 0)) == 0)
        #expect(mknod("\(dir)/loop9", mode_t(S_IFBLK) | 0o660, dev_t((7 << 8) | 9)) == 0)
        #expect(mkfifo("\(dir)/initctl", 0o600) == 0)
        #expect(chmod("\(dir)/loop9", 0o660) == 0, "past the umask")
        try FS.writeAtomic("\(dir)/plain", "x")
        #expect(symlink("null", "\(dir)/link") == 0)
        let listed = HostDevices.list(root: dir)
        #expect(listed.map(\.path) == ["/dev/initctl", "/dev/loop9", "/dev/net/tun", "/dev/null"])
        #expect(listed.map(\.type) == ["p", "b", "c", "c"])
        #expect(listed.first { $0.path == "/dev/net/tun" }.map { [$0.major, $0.minor] } == [10, 200])
        #expect(listed.first { $0.path == "/dev/loop9" }?.fileMode == 0o660)
    }

    @Test func flagsGroupsAndTheirJSON() throws {
        var sec = LinuxContainerSecurityContext()
        sec.readonlyRootfs = true
        sec.noNewPrivs = true
        sec.supplementalGroups = [4000, 44]
        let b = try Self.bundle(sec, user: .init(uid: 1000, gid: 3000, additionalGids: [44]),
                                seccomp: RuntimeDefaultSeccomp.profile(capabilities: BundleConfig.defaultCapabilities))
        #expect(b.root.readonly && b.process.noNewPrivileges)
        #expect(b.process.user == BundleConfig.User(uid: 1000, gid: 3000, additionalGids: [44, 4000]))
        let json = String(decoding: try JSONEncoder().encode(b), as: UTF8.self)
        #expect(json.contains("\"noNewPrivileges\":true") && json.contains("\"readonly\":true"))
        #expect(json.contains("\"defaultAction\":\"SCMP_ACT_ERRNO\"") && json.contains("\"execve\""))
        sec.supplementalGroups = [-1]
        #expect(throws: SwkError.self) { try Self.bundle(sec) }
    }

    @Test(arguments: [
        ("", Int64?.none, Int64?.none, "", ""), ("app", nil, nil, "", "app"), ("app:video", 1001, nil, "", "1001"),
        ("app:video", nil, 7, "", "app:7"), ("", nil, 7, "", "0:7"), ("1:2", nil, nil, "nobody", "nobody"),
        ("1:2", 5, 6, "nobody", "5:6"),
    ])
    func runAsUserAndGroupOverrideTheImageUser(image: String, uid: Int64?, gid: Int64?, name: String, expected: String) {
        var sec = LinuxContainerSecurityContext()
        sec.runAsUser = uid
        sec.runAsGroup = gid
        sec.runAsUsername = name
        #expect(BundleSecurity.userSpec(image: image, sec) == expected)
    }

    @Test func imageStatusReportsTheImageUserForRunAsNonRoot() {
        #expect(LocalImageService.imageUser("") == (0, ""))
        #expect(LocalImageService.imageUser("1000:1000") == (1000, ""))
        #expect(LocalImageService.imageUser("0") == (0, ""))
        #expect(LocalImageService.imageUser("app:staff") == (nil, "app"))
    }

    @Test func seccompProfiles() throws {
        let dir = try Harness.makeTempDir()
        defer { try? FS.removeTree(dir) }
        let caps = BundleConfig.defaultCapabilities
        #expect(try BundleSecurity.seccomp(nil, privileged: false, capabilities: caps, profileDir: dir) == nil)
        #expect(try BundleSecurity.seccomp(SecurityProfile(profileType: .unconfined), privileged: false, capabilities: caps,
                                           profileDir: dir) == nil)
        #expect(try BundleSecurity.seccomp(SecurityProfile(profileType: .runtimeDefault), privileged: true, capabilities: caps,
                                           profileDir: dir) == nil)
        #expect(try BundleSecurity.seccomp(SecurityProfile(profileType: .runtimeDefault), privileged: false, capabilities: caps,
                                           profileDir: dir) == RuntimeDefaultSeccomp.profile(capabilities: caps))
        try FS.writeAtomic("\(dir)/p.json", #"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}"#)
        let local = try BundleSecurity.seccomp(SecurityProfile(profileType: .localhost, localhostRef: "p.json"), privileged: false,
                                                 capabilities: caps, profileDir: dir)
        #expect(local?.syscalls?.first?.names == ["mkdir"])
        for bad in ["missing.json", "../p.json", "/etc/passwd", ""] {
            #expect(throws: SwkError.self, "\(bad)") {
                try BundleSecurity.seccomp(SecurityProfile(profileType: .localhost, localhostRef: bad), privileged: false,
                                           capabilities: caps, profileDir: dir)
            }
        }
    }
}

/// The same settings as the kernel sees them, through a real OCI runtime.
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct SecurityContextRuntimeTests {
    /// Runs `script` in a fresh container of the sandbox and returns its stdout lines.
    static func output(_ h: Harness, _ sandbox: String, _ name: String, _ script: String,
                       _ configure: (inout LinuxContainerSecurityContext) -> Void) async throws -> [String] {
        let sc = h.sandboxConfig()
        var cc = h.containerConfig(name: name, ["sh", "-c", script])
        configure(&cc.linux.securityContext)
        let id = try await h.runtime.createContainer(sandbox, cc, sc)
        try await h.runtime.startContainer(id)
        #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
        let status = try await h.runtime.containerStatus(id)
        return try criLogLines(status.logPath).filter { $0.stream == "stdout" }.map(\.text)
    }

    static let probe = "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t ' ' '; " +
        "touch /x 2>/dev/null && echo touch ok || echo touch failed; unshare -U true 2>/dev/null && echo unshare ok || echo unshare failed"

    @Test func theKernelSeesUserCapabilitiesReadOnlyRootNoNewPrivsAndSeccomp() async throws {
        try await Harness.with { h in
            let sandbox = try await h.runtime.runPodSandbox(h.sandboxConfig())
            let plain = try await Self.output(h, sandbox, "plain", Self.probe) { _ in }
            #expect(plain.contains("Seccomp: 0") && plain.contains("NoNewPrivs: 0"), "\(plain)")
            #expect(plain.contains("touch ok") && plain.contains("unshare ok"), "the control must be able to do both: \(plain)")
            #expect(!plain.contains("CapEff: 0000000000000000"), "\(plain)")

            let locked = try await Self.output(h, sandbox, "locked", "id -u; id -g; id -G; " + Self.probe) { s in
                s.runAsUser = 1000
                s.runAsGroup = 3000
                s.supplementalGroups = [4000]
                s.readonlyRootfs = true
                s.noNewPrivs = true
                s.capabilities = Capability(dropCapabilities: ["ALL"])
                s.seccomp = SecurityProfile(profileType: .runtimeDefault)
            }
            #expect(Array(locked.prefix(2)) == ["1000", "3000"], "\(locked)")
            #expect(locked.count > 2 && locked[2].split(separator: " ").contains("4000"), "\(locked)")
            #expect(locked.contains("CapEff: 0000000000000000") && locked.contains("NoNewPrivs: 1"), "\(locked)")
            #expect(locked.contains("Seccomp: 2") && locked.contains("touch failed") && locked.contains("unshare failed"), "\(locked)")

            // Root with every default capability: only the seccomp filter stops a user namespace.
            let filtered = try await Self.output(h, sandbox, "filtered", Self.probe + "; mount -t tmpfs t /tmp 2>/dev/null && echo mount ok || echo mount failed") { s in
                s.seccomp = SecurityProfile(profileType: .runtimeDefault)
            }
            #expect(filtered.contains("Seccomp: 2") && filtered.contains("unshare failed") && filtered.contains("mount failed"), "\(filtered)")
            #expect(filtered.contains("touch ok"), "\(filtered)")
        }
    }

    @Test func privilegedAndLocalhostProfiles() async throws {
        try await Harness.with { h in
            let profiles = "\(h.base)/lib/seccomp"
            try FS.makeDirectories(profiles)
            try FS.writeAtomic("\(profiles)/no-mkdir.json",
                               #"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}"#)
            let sandbox = try await h.runtime.runPodSandbox(h.sandboxConfig())
            let local = try await Self.output(h, sandbox, "local", "mkdir /tmp/d 2>/dev/null && echo mkdir ok || echo mkdir failed") { s in
                s.seccomp = SecurityProfile(profileType: .localhost, localhostRef: "no-mkdir.json")
            }
            #expect(local == ["mkdir failed"])
            let privileged = try await Self.output(h, sandbox, "privileged", Self.probe + "; mount -t tmpfs t /tmp && echo mount ok") { s in
                s.privileged = true
            }
            let mask = BundleSecurity.hostCapabilities().reduce(UInt64(0)) { m, name in
                m | (UInt64(1) << UInt64(BundleSecurity.allCapabilities.firstIndex(of: name) ?? 0))
            }
            let hex = String(mask, radix: 16)
            #expect(privileged.contains("CapEff: " + String(repeating: "0", count: 16 - hex.count) + hex), "\(privileged)")
            #expect(privileged.contains("mount ok"), "\(privileged)")
        }
    }

    @Test func onlyAPrivilegedContainerGetsTheHostsDevices() async throws {
        guard let device = HostDevices.list().first(where: { $0.type == "c" && $0.major != 1 && $0.major != 5 && $0.major != 136 }) else {
            print("skipping: no host device beyond the standard set in /dev")
            return
        }
        try await Harness.with { h in
            let sandbox = try await h.runtime.runPodSandbox(h.sandboxConfig())
            let script = "stat -c '%F %t %T' \(device.path) 2>/dev/null || echo absent; head -c 1 /dev/null < \(device.path) 2>/dev/null; " +
                "grep -c . /sys/fs/cgroup/devices/devices.list 2>/dev/null; grep -x 'a \\*:\\* rwm' /sys/fs/cgroup/devices/devices.list"
            let plain = try await Self.output(h, sandbox, "plain", script) { _ in }
            #expect(plain.first == "absent", "\(plain)")
            let privileged = try await Self.output(h, sandbox, "privileged", script) { s in s.privileged = true }
            #expect(privileged.first == "character special file \(String(device.major, radix: 16)) \(String(device.minor, radix: 16))",
                    "\(device.path): \(privileged)")
            #expect(privileged.contains("a *:* rwm"), "every device is allowed: \(privileged)")
        }
    }
}
