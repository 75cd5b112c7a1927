import Glibc
@testable import ImageStore
import OCI
import SwkSupport
import Testing
import TestSupport

/// Pulls from Debian's docker-registry over plain HTTP: formats, whiteouts, basic auth, redirects.
@Suite(.enabled(if: LocalRegistry.isAvailable, "needs docker-registry and skopeo"))
struct RealRegistryTests {
    @Test func pullsOCIAndSchema2ByTagAndDigest() async throws {
        let dir = try makeTempDir("registry")
        defer { cleanup(dir) }
        let registry = try await LocalRegistry(dir: "\(dir)/registry")
        defer { registry.stop() }
        let demo = try buildDemo(in: dir)
        try registry.push(demo, "swkube/demo:1.0")
        try registry.push(demo, "swkube/demo:schema2", format: "v2s2")
        let store = try ImageStore(root: "\(dir)/store")

        let oci = try await registry.pull("\(registry.host)/swkube/demo:1.0", into: store)
        #expect(oci.names == ["\(registry.host)/swkube/demo:1.0"])
        #expect(oci.config.cmd == ["sh"])
        let v2 = try await registry.pull("\(registry.host)/swkube/demo:schema2", into: store)
        #expect(v2.id == oci.id)
        #expect(try store.readBlob(v2.manifestDigest).count > 0)
        let manifest = try decode(ImageSpec.Manifest.self, try store.readBlob(v2.manifestDigest), "manifest")
        #expect(manifest.mediaType == ImageSpec.MediaType.dockerManifest)
        let byDigest = try await registry.pull("\(registry.host)/swkube/demo@\(oci.manifestDigest)", into: store)
        #expect(byDigest.manifestDigest == oci.manifestDigest)
        if isRoot {
            #expect(try filesUnder(try store.lowerDirs(for: v2)[0]).contains("bin/busybox"))
        }
        await #expect { _ = try await registry.pull("\(registry.host)/swkube/demo:missing", into: store) } throws: {
            ($0 as? SwkError)?.code == .notFound
        }
    }

    @Test func pullsAMultiLayerImageWithWhiteouts() async throws {
        let dir = try makeTempDir("registry-wh")
        defer { cleanup(dir) }
        let registry = try await LocalRegistry(dir: "\(dir)/registry")
        defer { registry.stop() }
        let archive = try makeOCIArchive(in: dir, name: "x/y:1", layers: [UnpackTests.layer1, UnpackTests.layer2])
        try registry.push(archive, "team/wh:1")
        let store = try ImageStore(root: "\(dir)/store")
        let image = try await registry.pull("\(registry.host)/team/wh:1", into: store)
        if isRoot {
            let dirs = try store.lowerDirs(for: image)
            #expect(dirs.count == 2)
            #expect(lstatOf("\(dirs[0])/a/gone").map { $0.st_mode & S_IFMT == S_IFCHR } == true)
        }
        try store.remove(image.id)
        #expect(try FS.list("\(dir)/store/content/blobs/sha256").isEmpty)
        #expect(try FS.list("\(dir)/store/snapshots").isEmpty)
    }

    @Test func htpasswdBasicAuth() async throws {
        let dir = try makeTempDir("registry-auth")
        defer { cleanup(dir) }
        let registry = try await LocalRegistry(dir: "\(dir)/registry", basicAuth: true)
        defer { registry.stop() }
        try registry.push(try buildDemo(in: dir), "private/demo:1")
        let store = try ImageStore(root: "\(dir)/store")
        let ref = "\(registry.host)/private/demo:1"
        await #expect { _ = try await registry.pull(ref, into: store) } throws: {
            ($0 as? SwkError)?.message.contains("wants a username and password") ?? false
        }
        await #expect { _ = try await registry.pull(ref, into: store, user: "swkube", password: "wrong") } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .failedPrecondition && e.message.contains("HTTP 401")
        }
        #expect(try store.list().isEmpty)
        let image = try await registry.pull(ref, into: store, user: "swkube", password: "s3cret")
        #expect(image.names == [ref])
    }

    /// Every request to the registry's name is answered with 307 to another origin (the real
    /// registry), as registries do to send blobs to storage: the transport follows.
    @Test(.enabled(if: FixtureServer.isAvailable, "needs python3")) func followsRedirects() async throws {
        let dir = try makeTempDir("registry-redirect")
        defer { cleanup(dir) }
        let registry = try await LocalRegistry(dir: "\(dir)/registry")
        defer { registry.stop() }
        try registry.push(try buildDemo(in: dir), "swkube/demo:1.0")
        let redirector = try await FixtureServer(script: "redirect-server.py", dir: "\(dir)/redirect",
                                                 arguments: ["--target", "http://\(registry.host)"])
        defer { redirector.stop() }
        let host = "127.0.0.1:\(redirector.port)"
        let store = try ImageStore(root: "\(dir)/store")
        let image = try await LocalRegistry.pull("\(host)/swkube/demo:1.0", into: store,
                                                 config: RegistryConfig(configs: [host: .init(insecure: true)]))
        #expect(image.names == ["\(host)/swkube/demo:1.0"])
        #expect(image.config.cmd == ["sh"])
    }
}
