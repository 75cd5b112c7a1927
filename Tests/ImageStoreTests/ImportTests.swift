import Glibc
@testable import ImageStore
import OCI
import SwkSupport
import Testing
import TestSupport

@Suite struct ImportTests {
    @Test func importsTheDemoOCIArchive() throws {
        let dir = try makeTempDir("demo")
        defer { cleanup(dir) }
        let archive = try buildDemo(in: dir)
        let store = try ImageStore(root: "\(dir)/store")
        let records = try store.importArchive(path: archive)
        try #require(records.count == 1)
        let r = records[0]
        #expect(r.names == ["localhost/swkube-demo:1.0"])
        #expect(r.config.cmd == ["sh"])
        #expect(r.config.env.contains { $0.hasPrefix("PATH=") })
        #expect(r.size > 100_000)
        #expect(try store.list() == [r])
        #expect(try store.resolve("localhost/swkube-demo:1.0") == r)
        #expect(try store.resolve(r.id) == r)
        #expect(try store.resolve(String(r.id.dropFirst(7).prefix(12))) == r)
        #expect(try store.resolve(r.manifestDigest) == r)
        #expect(try store.resolve("localhost/swkube-demo@\(r.manifestDigest)") == r)
        #expect(try store.resolve("swkube-demo:1.0") == nil)
        // Importing again changes nothing.
        #expect(try store.importArchive(path: archive) == [r])
        #expect(try store.list().count == 1)
    }

    @Test func theDemoImageIsReproducible() throws {
        let dir = try makeTempDir("repro")
        defer { cleanup(dir) }
        let first = try run(["/bin/bash", "\(repoRoot())/scripts/build-demo-image.sh", "\(dir)/a.tar"])
        let second = try run(["/bin/bash", "\(repoRoot())/scripts/build-demo-image.sh", "\(dir)/b.tar"])
        #expect(first == second && first.hasPrefix("localhost/swkube-demo:1.0 sha256:"))
        #expect(try FS.readBytes("\(dir)/a.tar") == (try FS.readBytes("\(dir)/b.tar")))
        if FS.exists("/usr/bin/skopeo") {
            let inspect = try run(["/usr/bin/skopeo", "inspect", "oci-archive:\(dir)/a.tar"])
            #expect(inspect.contains(String(first.split(separator: " ")[1].dropLast())))
        }
    }

    @Test func usageGrowsWithImportsAndShrinksAfterRemoval() throws {
        let dir = try makeTempDir("usage")
        defer { cleanup(dir) }
        let store = try ImageStore(root: "\(dir)/store")
        let empty = try store.usage()
        let image = try #require(try store.importArchive(path: try buildDemo(in: dir)).first)
        if isRoot { _ = try store.lowerDirs(for: image) }
        let full = try store.usage()
        #expect(full.usedBytes > empty.usedBytes + Int64(image.size))
        #expect(full.inodesUsed >= empty.inodesUsed + 3)
        #expect(full.mountpoint == store.root)
        try store.remove(image.id)
        #expect(try store.usage() == empty)
    }

    @Test func readsTheArchiveFromAPipe() throws {
        let dir = try makeTempDir("pipe")
        defer { cleanup(dir) }
        let archive = try buildDemo(in: dir)
        let store = try ImageStore(root: "\(dir)/store")
        let fd = open(archive, O_RDONLY)
        defer { close(fd) }
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let cat = try Spawn.start(["/bin/cat"], stdin: .fd(fd), stdout: .fd(fds[1]))
        close(fds[1])
        let records = try store.importArchive(fd: fds[0])
        close(fds[0])
        #expect(try Spawn.wait(cat) == 0)
        #expect(records.first?.names == ["localhost/swkube-demo:1.0"])
    }

    @Test func importsACompressedArchive() throws {
        let dir = try makeTempDir("gz")
        defer { cleanup(dir) }
        let archive = try buildDemo(in: dir)
        try run(["/bin/gzip", "-n", archive])
        let store = try ImageStore(root: "\(dir)/store")
        #expect(try store.importArchive(path: "\(archive).gz").first?.names == ["localhost/swkube-demo:1.0"])
    }

    @Test(.enabled(if: FS.exists("/usr/bin/skopeo"), "needs skopeo"))
    func importsADockerArchiveMadeBySkopeo() throws {
        let dir = try makeTempDir("skopeo")
        defer { cleanup(dir) }
        let archive = try buildDemo(in: dir)
        try run(["/usr/bin/skopeo", "copy", "-q", "oci-archive:\(archive)",
                 "docker-archive:\(dir)/docker.tar:localhost/from-skopeo:2"])
        let store = try ImageStore(root: "\(dir)/store")
        let oci = try store.importArchive(path: archive)
        let docker = try store.importArchive(path: "\(dir)/docker.tar")
        try #require(docker.count == 1)
        #expect(docker[0].names == ["localhost/from-skopeo:2"])
        // Same config, so the same image ID; the manifest differs (uncompressed layers).
        #expect(docker[0].id == oci[0].id)
        #expect(docker[0].config == oci[0].config)
        #expect(try store.list().count == 2)
        if isRoot {
            #expect(try store.lowerDirs(for: docker[0]).count == 1)
        }
    }

    @Test func importsAHandBuiltDockerSaveArchive() throws {
        let dir = try makeTempDir("docker")
        defer { cleanup(dir) }
        let save = "\(dir)/save"
        try FS.makeDirectories("\(save)/0123abcd")
        try writeTar("\(save)/0123abcd/layer.tar", [.dir("etc"), .file("etc/motd", "hello")])
        let diffID = try Digest.sha256(try FS.readBytes("\(save)/0123abcd/layer.tar"))
        let image = ImageSpec.Image(architecture: "amd64", os: "linux",
                                    config: .init(env: ["A=1"], entrypoint: ["/bin/app"], workingDir: "/srv", stopSignal: "SIGINT"),
                                    rootfs: .init(diffIDs: [diffID]))
        let configBytes = try encode(image)
        let configName = "\(try Digest.sha256(configBytes).dropFirst(7)).json"
        try FS.writeAtomic("\(save)/\(configName)", configBytes)
        let entry = ImageSpec.DockerSaveEntry(config: configName, repoTags: ["example.com/team/app:v1", "app:latest"],
                                              layers: ["0123abcd/layer.tar"])
        try FS.writeAtomic("\(save)/manifest.json", try encode([entry]))
        try run(["/bin/tar", "-C", save, "-cf", "\(dir)/save.tar", "manifest.json", configName, "0123abcd"])

        let store = try ImageStore(root: "\(dir)/store")
        let records = try store.importArchive(path: "\(dir)/save.tar")
        try #require(records.count == 1)
        #expect(records[0].names == ["docker.io/library/app:latest", "example.com/team/app:v1"])
        #expect(records[0].config.entrypoint == ["/bin/app"])
        #expect(records[0].config.workingDir == "/srv")
        #expect(records[0].config.stopSignal == "SIGINT")
        #expect(try store.resolve("app") == records[0])
        if isRoot {
            let dirs = try store.lowerDirs(for: records[0])
            #expect(try FS.readString("\(dirs[0])/etc/motd") == "hello")
        }
    }

    @Test func aCorruptedBlobFailsTheImportAndLeavesNothing() throws {
        let dir = try makeTempDir("corrupt")
        defer { cleanup(dir) }
        let archive = try buildDemo(in: dir)
        try FS.makeDirectories("\(dir)/x")
        try run(["/bin/tar", "-C", "\(dir)/x", "-xf", archive])
        // Flip one byte of the largest blob (the layer).
        let blobs = "\(dir)/x/blobs/sha256"
        func size(_ name: String) -> Int { lstatOf("\(blobs)/\(name)")?.st_size ?? 0 }
        let layer = try FS.list(blobs).max { size($0) < size($1) }
        let path = "\(blobs)/\(try #require(layer))"
        var bytes = try FS.readBytes(path)
        bytes[bytes.count / 2] ^= 0xff
        try FS.writeAtomic(path, bytes)
        try run(["/bin/tar", "-C", "\(dir)/x", "-cf", "\(dir)/bad.tar", "oci-layout", "index.json", "blobs"])

        let store = try ImageStore(root: "\(dir)/store")
        #expect {
            _ = try store.importArchive(path: "\(dir)/bad.tar")
        } throws: { ($0 as? SwkError)?.message.contains("digest mismatch") ?? false }
        #expect(try store.list().isEmpty)
        #expect(try FS.list("\(dir)/store/content/blobs/sha256").isEmpty)
        #expect(try FS.list("\(dir)/store/content/ingest").isEmpty)
    }

    @Test func anArchiveWithoutAnIndexIsRejected() throws {
        let dir = try makeTempDir("noindex")
        defer { cleanup(dir) }
        try writeTar("\(dir)/x.tar", [.file("hello.txt")])
        let store = try ImageStore(root: "\(dir)/store")
        #expect(throws: SwkError.self) { try store.importArchive(path: "\(dir)/x.tar") }
        #expect(try FS.list("\(dir)/store/content/blobs/sha256").isEmpty)
    }

    @Test func removeUntagsThenCollectsEverything() throws {
        let dir = try makeTempDir("gc")
        defer { cleanup(dir) }
        let store = try ImageStore(root: "\(dir)/store")
        let a = try store.importArchive(path: try buildDemo(in: dir, name: "localhost/a:1"))[0]
        let b = try store.importArchive(path: try makeOCIArchive(in: dir, name: "localhost/b:1", layers: [[.file("b.txt")]]))[0]
        if isRoot {
            _ = try store.lowerDirs(for: a)
            _ = try store.lowerDirs(for: b)
            #expect(try FS.list("\(dir)/store/snapshots").count == 2)
        }
        // A second name for `a`: removing one name keeps the image.
        let again = try store.importArchive(path: try buildDemo(in: "\(dir)/store/..", name: "localhost/a:2"))
        #expect(again[0].names == ["localhost/a:1", "localhost/a:2"])
        try store.remove("localhost/a:1")
        #expect(try store.resolve("localhost/a:2")?.id == a.id)
        try store.remove("localhost/a:2")
        #expect(try store.resolve(a.id) == nil)
        #expect(try store.list() == [b])
        let blobs = try FS.list("\(dir)/store/content/blobs/sha256").sorted()
        #expect(blobs.count == 3) // b's manifest, config and layer
        if isRoot { #expect(try FS.list("\(dir)/store/snapshots").count == 1) }
        try store.remove(b.id)
        #expect(try store.list().isEmpty)
        #expect(try FS.list("\(dir)/store/content/blobs/sha256").isEmpty)
        #expect(try FS.list("\(dir)/store/snapshots").isEmpty)
        #expect(throws: SwkError.self) { try store.remove("localhost/a:1") }
    }

    @Test func leftoversOfACrashAreRemovedOnOpen() throws {
        let dir = try makeTempDir("crash")
        defer { cleanup(dir) }
        _ = try ImageStore(root: "\(dir)/store")
        try FS.makeDirectories("\(dir)/store/snapshots/tmp-1-dead/fs/half")
        try FS.writeAtomic("\(dir)/store/content/ingest/blob-1-dead", "partial")
        _ = try ImageStore(root: "\(dir)/store")
        #expect(try FS.list("\(dir)/store/snapshots").isEmpty)
        #expect(try FS.list("\(dir)/store/content/ingest").isEmpty)
    }

    @Test func picksThisMachinesManifestFromAMultiPlatformIndex() throws {
        let dir = try makeTempDir("index")
        defer { cleanup(dir) }
        let single = try makeOCIArchive(in: dir, name: "unused", layers: [[.file("hello")]])
        let layout = "\(dir)/multi"
        try FS.makeDirectories(layout)
        try run(["/bin/tar", "-C", layout, "-xf", single])
        // Another platform's manifest, whose blobs the archive lacks, must not be touched.
        let native = try wrapInMultiPlatformIndex(layout, foreignArchitecture: "s390x",
                                                  annotations: [ImageSpec.Annotation.refName: "localhost/multi:3"])
        try run(["/bin/tar", "-C", layout, "-cf", "\(dir)/multi.tar", "oci-layout", "index.json", "blobs"])
        let store = try ImageStore(root: "\(dir)/store")
        let records = try store.importArchive(path: "\(dir)/multi.tar")
        try #require(records.count == 1)
        #expect(records[0].names == ["localhost/multi:3"])
        #expect(records[0].manifestDigest == native.digest)
    }
}
