import Glibc
import OCI
import SwkSupport
import Testing
import TestSupport
@testable import SwkRunc

/// Broken bundles fail `create` with exit 1, a message naming the field, and nothing left behind.
@Suite(.enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct BrokenConfigTests {
    func expectFailure(_ tag: String, mentioning text: String, _ edit: (Fixture) throws -> Void) throws {
        let f = try Fixture(tag)
        defer { f.cleanup() }
        f.script("true")
        try f.writeConfig()
        try edit(f)
        let out = try f.runtime(["create", "--bundle", f.bundle, f.id])
        #expect(out.status == 1)
        #expect(out.stderr.contains(text), "stderr: \(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out.stderr)")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }

    @Test func wrongJSONType() throws {
        try expectFailure("type", mentioning: "process.args") { f in
            let text = try FS.readString("\(f.bundle)/config.json")
            try f.writeRawConfig(text.replacing("\"args\":[\"sh\",\"-c\",\"true\"]", with: "\"args\":\"sh\""))
        }
    }

    @Test func unknownNamespace() throws {
        try expectFailure("ns", mentioning: "linux.namespaces[5].type") { f in
            f.spec.linux?.namespaces?.append(.init(type: "bogus"))
            try f.writeConfig()
        }
    }

    @Test func missingRootfs() throws {
        try expectFailure("rootfs", mentioning: "root.path") { f in
            f.spec.root?.path = "nowhere"
            try f.writeConfig()
        }
    }

    @Test func programNotFound() throws {
        try expectFailure("args0", mentioning: "process.args[0] nosuchprogram: No such file or directory") { f in
            f.spec.process?.args = ["nosuchprogram"]
            // Nested: the parent cgroup created for it must go too.
            f.spec.linux?.cgroupsPath = f.cgroupPath + "/inner"
            try f.writeConfig()
        }
    }

    /// runtime-tools' linux_process_apparmor_profile: a profile that cannot be applied is refused.
    @Test(.enabled(if: !ProcessPlan.appArmorEnabled(), "the host runs AppArmor: the profile would be applied"))
    func apparmorProfileIsRefusedWithoutAppArmor() throws {
        try expectFailure("apparmor", mentioning: "process.apparmorProfile acme_secure_profile: AppArmor is not enabled on this host") { f in
            f.spec.process?.apparmorProfile = "acme_secure_profile"
            try f.writeConfig()
        }
    }

    @Test func appArmorCountsAsEnabledAsRuncReadsIt() throws {
        let dir = try makeTempDir("apparmor")
        defer { try? FS.removeTree(dir) }
        try FS.writeAtomic("\(dir)/enabled", "Y\n")
        #expect(ProcessPlan.appArmorEnabled("\(dir)/enabled"))
        try FS.writeAtomic("\(dir)/enabled", "N\n")
        #expect(!ProcessPlan.appArmorEnabled("\(dir)/enabled"))
        #expect(!ProcessPlan.appArmorEnabled("\(dir)/missing"))
    }

    /// runtime-tools' linux_cgroups_network: net_cls/net_prio are v1-only controllers; without
    /// their hierarchy (this host) the settings are refused rather than dropped.
    @Test(.enabled(if: !((try? FS.readString("/proc/self/cgroup")) ?? "").contains("net_cls"),
                   "the host mounts a net_cls hierarchy"))
    func networkClassWithoutItsHierarchyIsRefused() throws {
        try expectFailure("netcls", mentioning: "linux.resources.network.classID: no net_cls cgroup hierarchy") { f in
            var resources = f.spec.linux?.resources ?? LinuxResources()
            resources.network = LinuxNetwork(classID: 255, priorities: [LinuxInterfacePriority(name: "lo", priority: 10)])
            f.spec.linux?.resources = resources
            try f.writeConfig()
        }
    }

    @Test func failingMountNamesStepAndObject() throws {
        try expectFailure("mount", mentioning: "mount ") { f in
            f.spec.mounts?.append(.init(destination: "/x", type: "nosuchfs", source: "none"))
            try f.writeConfig()
        }
    }
}
