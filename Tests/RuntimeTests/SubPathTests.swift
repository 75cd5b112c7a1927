import CRI
import CSwkSys
import Glibc
@testable import Runtime
import SwkSupport
import Synchronization
import Testing
import TestSupport

/// subPath against a pod that swaps a symlink into the volume while its containers are created
/// (CVE-2017-1002101): the checked path must be the mounted one.
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct SubPathTests {
    /// `sub` flips between a directory of the volume and a symlink to a host directory while
    /// containers mounting it as a subPath are created: each is refused or sees the volume's
    /// directory, never the host's. Removing the pod then undoes the subPath binds and leaves
    /// the hostPath volume's files alone.
    @Test func aSubPathSwappedForASymlinkNeverMountsOutsideTheVolume() async throws {
        try await Harness.with { h in
            let volume = "\(h.base)/volume", outside = "\(h.base)/outside"
            try FS.makeDirectories("\(volume)/sub")
            try FS.makeDirectories(outside)
            try FS.writeAtomic("\(volume)/sub/whoami", "volume")
            try FS.writeAtomic("\(outside)/whoami", "host")
            symlink(outside, "\(volume)/alt")
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            let swapper = try Swapper("\(volume)/sub", "\(volume)/alt")
            var seen: [String] = [], refusals: [String] = []
            for attempt in 0..<24 where !seen.contains("host") {
                var c = h.containerConfig(name: "reader", ["cat", "/mnt/whoami"])
                c.metadata.attempt = UInt32(attempt)
                c.mounts = [volumeMount("/mnt", "data", .hostPath(path: volume, type: "Directory"), subPath: "sub")]
                let id: String
                do { id = try await h.runtime.createContainer(sandbox, c, config) } catch let error as SwkError {
                    refusals.append(error.message)
                    continue
                }
                try await h.runtime.startContainer(id)
                #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
                let status = try await h.runtime.containerStatus(id)
                seen += try criLogLines(status.logPath).filter { $0.stream == "stdout" }.map(\.text)
                try await h.runtime.removeContainer(id)
            }
            swapper.stop()
            #expect(!seen.contains("host"), "a container saw the host directory: \(seen)")
            #expect(seen.contains("volume"), "no container started: \(refusals)")
            for message in refusals {
                #expect(message.contains("pod default/web, container reader, volumeMount /mnt: volume data: subPath \"sub\": resolves outside the volume \(volume)"), "\(message)")
            }
            try await h.runtime.stopPodSandbox(sandbox)
            try await h.runtime.removePodSandbox(sandbox)
            #expect(!mountTable().contains(PodVolumes.subPathsDir))
            // Whichever of the two names the swapper left as the real directory (not the link).
            var st = stat()
            let sub = lstat("\(volume)/sub", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR ? "\(volume)/sub" : "\(volume)/alt"
            #expect(try FS.readString("\(sub)/whoami") == "volume")
            #expect(try FS.readString("\(outside)/whoami") == "host")
        }
    }
}
