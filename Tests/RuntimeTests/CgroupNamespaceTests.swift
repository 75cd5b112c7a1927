import CRI
import FoundationEssentials
import Glibc
@testable import Runtime
import SwkSupport
import Testing

/// The host fact "unified cgroup hierarchy" (injected here; detected from /sys/fs/cgroup by
/// default) gives each container a private cgroup namespace, as containerd's CRI does on v2.
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct CgroupNamespaceTests {
    @Test(arguments: [true, false])
    func aContainerGetsItsOwnCgroupNamespaceExactlyOnAUnifiedHost(_ unified: Bool) async throws {
        try await Harness.with(configure: { $0.hostCgroupV2 = unified }) { h in
            let (_, id) = try await h.runContainer(["sleep", "1000"])
            let config = try FS.readString("\(h.base)/run/containers/\(id)/config.json")
            #expect(config.contains(#"{"type":"cgroup"}"#) == unified, "\(config)")
            // Inside a cgroup namespace every hierarchy's path is the container's own root.
            let lines = try await h.runtime.execSync(id, ["cat", "/proc/self/cgroup"], timeout: 10).stdout
            let paths = String(decoding: lines, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ":", maxSplits: 2).last ?? "" }
            #expect(paths.allSatisfy { $0 == "/" } == unified, "\(paths)")
        }
    }
}
