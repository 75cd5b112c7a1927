import CRI
import FoundationEssentials
import Glibc
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

@Suite struct ProcessSpecTests {
    let image = RuntimeImage(id: "sha256:x", lowerDirs: ["/l"], env: ["PATH=/bin", "A=image"],
                             entrypoint: ["/entry"], cmd: ["default", "cmd"])

    @Test(arguments: [
        ([String](), [String](), ["/entry", "default", "cmd"]),   // image as is
        ([], ["x"], ["/entry", "x"]),                             // args replace Cmd
        (["/cmd"], [], ["/cmd"]),                                 // command alone drops Cmd
        (["/cmd"], ["y"], ["/cmd", "y"]),                         // both replaced
    ])
    func argumentsFollowKubernetesRules(command: [String], args: [String], expected: [String]) {
        #expect(ProcessSpec.arguments(image: image, command: command, args: args) == expected)
    }

    @Test func environmentLaterWinsInPlace() {
        let env = ProcessSpec.environment(image: image.env, config: [KeyValue(key: "A", value: "pod"), KeyValue(key: "B", value: "1")],
                                          hostname: "web")
        #expect(env == ["HOSTNAME=web", "PATH=/bin", "A=pod", "B=1"])
        #expect(ProcessSpec.environment(image: [], config: [], hostname: "h") == ["HOSTNAME=h", ProcessSpec.defaultPath])
    }

    @Test func workingDirectoryFallsBack() {
        #expect(ProcessSpec.workingDirectory(config: "/c", image: "/i") == "/c")
        #expect(ProcessSpec.workingDirectory(config: "", image: "/i") == "/i")
        #expect(ProcessSpec.workingDirectory(config: "", image: "") == "/")
    }

    @Test func usersResolveAgainstTheRootfs() throws {
        let root = try makeTempDir("user")
        defer { try? FS.removeTree(root) }
        try Harness.makeBusyboxRootfs(root)
        typealias U = ProcessSpec.User
        #expect(try ProcessSpec.user("", rootfs: root) == U(uid: 0, gid: 0, additionalGids: []))
        #expect(try ProcessSpec.user("app", rootfs: root) == U(uid: 1000, gid: 1000, additionalGids: [44]))
        #expect(try ProcessSpec.user("1000", rootfs: root) == U(uid: 1000, gid: 1000, additionalGids: [44]))
        #expect(try ProcessSpec.user("nobody:video", rootfs: root) == U(uid: 65534, gid: 44, additionalGids: []))
        #expect(try ProcessSpec.user("4242:7", rootfs: root) == U(uid: 4242, gid: 7, additionalGids: []))
        #expect(throws: SwkError.self) { try ProcessSpec.user("ghost", rootfs: root) }
        #expect(throws: SwkError.self) { try ProcessSpec.user("app:ghosts", rootfs: root) }
    }

    @Test func stopSignalNames() {
        #expect(ProcessSpec.signal("") == 15)
        #expect(ProcessSpec.signal("SIGQUIT") == 3)
        #expect(ProcessSpec.signal("usr1") == 10)
        #expect(ProcessSpec.signal("9") == 9)
        #expect(ProcessSpec.signal("SIGNOPE") == nil)
    }

    @Test func bundleConfigCarriesPodAndContainerSettings() throws {
        var resources = LinuxContainerResources()
        resources.memoryLimitInBytes = 64 << 20
        resources.cpuQuota = 50_000
        resources.cpuPeriod = 100_000
        let config = try BundleConfig.make(.init(
            args: ["sh"], env: ["A=1"], cwd: "/", user: .init(uid: 1, gid: 2, additionalGids: []), hostname: "web",
            sharedNamespaces: ["network": "/run/ns/net", "uts": "/run/ns/uts"], cgroupsPath: "/swkube/u/c",
            resources: resources, mounts: [Mount(containerPath: "/data", hostPath: "/srv", readonly: true)],
            etcFiles: [("/etc/hosts", "/run/hosts")]))
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(json.contains("\"ociVersion\":\"1.0.2\""))
        #expect(config.linux.namespaces.map(\.type) == ["pid", "mount", "network", "uts"])
        #expect(config.linux.namespaces.first { $0.type == "network" }?.path == "/run/ns/net")
        #expect(config.linux.resources.memory?.limit == 64 << 20)
        #expect(config.linux.resources.cpu == BundleConfig.CPU(shares: nil, quota: 50_000, period: 100_000))
        #expect(config.process.capabilities.bounding.count == 14)
        #expect(config.mounts.contains(BundleConfig.Mount(destination: "/data", type: "bind", source: "/srv",
                                                          options: ["rbind", "rprivate", "ro"])))
        #expect(config.mounts.contains { $0.destination == "/etc/hosts" && $0.source == "/run/hosts" })
        #expect(!json.contains("additionalGids"))  // nil optionals are left out
    }
}
