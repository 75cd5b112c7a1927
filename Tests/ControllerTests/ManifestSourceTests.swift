import Controller
import CRI
import DirectoryWatch
import Glibc
import KubeAPI
import SwkSupport
import Testing
import TestSupport

/// The manifest directory rules: which names count, what a broken or duplicate file does.
struct ManifestSourceTests {
    @Test(arguments: [
        ("pod.yaml", true), ("pod.yml", true), ("pod.json", true),
        (".pod.yaml", false), ("pod.yaml.swp", false), ("pod.yaml~", false), ("#pod.yaml#", false),
        ("pod.yaml.bak", false), ("pod.yaml.dpkg-old", false), ("pod.yaml.orig", false),
        ("pod.txt", false), ("README", false), ("pod.yaml.tmp-42", false),
    ])
    func onlyManifestNamesAreRead(name: String, read: Bool) {
        #expect(ManifestFilter.isManifest(name) == read)
    }

    static func pod(_ name: String, image: String = "localhost/swkube-demo:1.0") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \(name)\nspec:\n  containers:\n    - name: c\n      image: \(image)\n"
    }

    let dir: String
    let settled: Int64

    init() throws {
        dir = try makeTempDir("src")
        // "now" well after every file's mtime, so failures count as settled.
        settled = SystemClock().now() + 60 * nanosPerSecond
    }

    func names(_ scan: ManifestScan) -> [String] {
        scan.state.pods.values.map(\.pod.metadata.name).sorted()
    }

    @Test func podsComeFromManifestFilesOnlyAndIgnoredNamesAreReportedOnce() async throws {
        try FS.writeAtomic("\(dir)/a.yaml", Self.pod("alpha"))
        try FS.writeAtomic("\(dir)/.hidden.yaml", Self.pod("hidden"))
        try FS.writeAtomic("\(dir)/a.yaml.swp", Self.pod("swap"))
        let source = ManifestSource(directory: dir)
        let first = await source.scan(now: settled)
        #expect(names(first) == ["alpha"])
        #expect(first.newlyIgnored.sorted() == [".hidden.yaml", "a.yaml.swp"])
        #expect(await source.scan(now: settled).newlyIgnored.isEmpty)
        let uid = try #require(first.state.pods.values.first?.pod.metadata.uid)
        #expect(uid == Pod.derivedUID(namespace: "default", name: "alpha"))
    }

    @Test func aBrokenFileNamesFileAndLineAndKeepsItsLastGoodPods() async throws {
        try FS.writeAtomic("\(dir)/a.yaml", Self.pod("alpha"))
        try FS.writeAtomic("\(dir)/b.yaml", Self.pod("beta"))
        let source = ManifestSource(directory: dir)
        #expect(names(await source.scan(now: settled)) == ["alpha", "beta"])

        try FS.writeAtomic("\(dir)/b.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: beta\n  labels: [\n")
        let scan = await source.scan(now: settled)
        #expect(names(scan) == ["alpha", "beta"], "beta's last good version keeps running")
        let error = try #require(scan.state.errors.first)
        #expect(error.file == "\(dir)/b.yaml")
        #expect(error.line == 6)
        #expect(scan.state.errors.count == 1)
    }

    @Test func aFileStillBeingWrittenIsNotReportedYet() async throws {
        try FS.writeAtomic("\(dir)/c.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
        let source = ManifestSource(directory: dir)
        let now = SystemClock().now()
        #expect(await source.scan(now: now).state.errors.isEmpty)
        #expect(await source.scan(now: now + 3 * nanosPerSecond).state.errors.count == 1)
    }

    @Test func anInvalidDocumentIsRejectedWithItsFieldAndOthersInTheFileStay() async throws {
        try FS.writeAtomic("\(dir)/multi.yaml", Self.pod("one") + "---\n" + Self.pod("two", image: ""))
        let scan = await ManifestSource(directory: dir).scan(now: settled)
        #expect(names(scan) == ["one"])
        let error = try #require(scan.state.errors.first)
        #expect(error.message.contains("spec.containers[0].image"), "\(error.message)")
        #expect(error.line > 9)
    }

    @Test func theSamePodInTwoFilesIsRejectedNamingBothAndTheOwnerKeepsIt() async throws {
        try FS.writeAtomic("\(dir)/b.yaml", Self.pod("dup"))
        let source = ManifestSource(directory: dir)
        #expect(await source.scan(now: settled).state.pods.values.first?.file == "\(dir)/b.yaml")
        try FS.writeAtomic("\(dir)/a.yaml", Self.pod("dup", image: "localhost/other:1"))
        let scan = await source.scan(now: settled)
        #expect(scan.state.pods.values.first?.file == "\(dir)/b.yaml", "the pod stays with the file that had it first")
        let error = try #require(scan.state.errors.first)
        #expect(error.file == "\(dir)/a.yaml")
        #expect(error.message.contains("\(dir)/b.yaml"))
        // Once the owner lets go, the other declaration takes over.
        unlink("\(dir)/b.yaml")
        let after = await source.scan(now: settled)
        #expect(after.state.pods.values.first?.file == "\(dir)/a.yaml")
        #expect(after.state.errors.isEmpty)
    }

    @Test func deletingAFileDropsItsPods() async throws {
        try FS.writeAtomic("\(dir)/a.yaml", Self.pod("alpha"))
        let source = ManifestSource(directory: dir)
        #expect(names(await source.scan(now: settled)) == ["alpha"])
        unlink("\(dir)/a.yaml")
        #expect(names(await source.scan(now: settled)).isEmpty)
    }

    @Test func theWatcherTicksWhenAFileIsWrittenOrRemoved() async throws {
        let watcher = try DirectoryWatcher(directory: dir)
        defer { watcher.stop() }
        var ticks = watcher.ticks.makeAsyncIterator()
        try FS.writeAtomic("\(dir)/a.yaml", Self.pod("alpha"))
        #expect(await ticks.next()?.complete == true)
        unlink("\(dir)/a.yaml")
        #expect(await ticks.next()?.complete == true)
    }

    @Test func aBareCreationIsNotACompleteChange() async throws {
        try FS.writeAtomic("\(dir)/.hidden", Self.pod("alpha"))
        let watcher = try DirectoryWatcher(directory: dir)
        defer { watcher.stop() }
        var ticks = watcher.ticks.makeAsyncIterator()
        // A hard link fires IN_CREATE only: the watcher must wake, but not call it finished.
        #expect(link("\(dir)/.hidden", "\(dir)/b.yaml") == 0)
        #expect(await ticks.next()?.complete == false)
    }
}

/// `pod-security`: a pod that violates the node's level is an error of its file, like an invalid
/// one; the other pods are unaffected.
struct ManifestSourcePodSecurityTests {
    @Test func aViolatingPodIsReportedAtItsFieldAndNotDeclared() async throws {
        let dir = try makeTempDir("src")
        try FS.writeAtomic("\(dir)/a.yaml", ManifestSourceTests.pod("alpha"))
        try FS.writeAtomic("\(dir)/b.yaml", ManifestSourceTests.pod("beta") + "  hostNetwork: true\n")
        let scan = await ManifestSource(directory: dir, podSecurity: .baseline).scan(now: SystemClock().now() + 60 * nanosPerSecond)
        #expect(scan.state.pods.values.map(\.pod.metadata.name) == ["alpha"])
        let error = try #require(scan.state.errors.first)
        #expect(error.file == "\(dir)/b.yaml" && error.line == 9)
        #expect(error.message == #"spec.hostNetwork: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#)
        let privileged = await ManifestSource(directory: dir).scan(now: SystemClock().now() + 60 * nanosPerSecond)
        #expect(privileged.state.pods.count == 2 && privileged.state.errors.isEmpty, "privileged, the default, allows it")
    }
}
