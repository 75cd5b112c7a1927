import Glibc
@testable import ImageStore
import OCI
import SwkSupport
import Synchronization
import Testing
import TestSupport

/// The pull algorithm against an in-memory registry. (Real registries over HTTP need a transport,
/// which this target does not have yet.)
@Suite struct RegistryTests {
    /// A fresh store, a registry serving `fake.example/team/app:1.0`, and a client without delays.
    func setUp(_ tag: String, layers: [[TarEntry]] = [[.dir("etc"), .file("etc/motd", "pulled")], [.file("two", "2")]],
               compression: Compression = .gzip, multiPlatform: Bool = false) throws -> (dir: String, store: ImageStore, registry: FakeRegistry, client: RegistryClient) {
        let dir = try makeTempDir(tag)
        let archive = try makeOCIArchive(in: dir, name: "fake.example/team/app:1.0", layers: layers, compression: compression)
        let layout = "\(dir)/layout"
        try FS.makeDirectories(layout)
        try run(["/bin/tar", "-C", layout, "-xf", archive])
        if multiPlatform { try wrapInMultiPlatformIndex(layout, foreignArchitecture: "riscv64") }
        let registry = FakeRegistry()
        try registry.serve(layout: layout, repository: "team/app", tag: "1.0")
        let store = try ImageStore(root: "\(dir)/store")
        return (dir, store, registry, RegistryClient(transport: registry, backoff: { _ in }))
    }

    func assertEmpty(_ store: ImageStore, _ dir: String) throws {
        #expect(try store.list().isEmpty)
        try store.collectGarbage()
        #expect(try FS.list("\(dir)/store/content/blobs/sha256").isEmpty)
        #expect(try FS.list("\(dir)/store/snapshots").isEmpty)
    }

    @Test func pullsByTagAndByDigest() async throws {
        let (dir, store, registry, client) = try setUp("pull")
        defer { cleanup(dir) }
        let record = try await client.pull("fake.example/team/app:1.0", into: store)
        #expect(record.names == ["fake.example/team/app:1.0"])
        #expect(record.config.cmd == ["sh"])
        let first = registry.log[0]
        #expect(first.url == "https://fake.example/v2/team/app/manifests/1.0")
        #expect(first.headers["Accept"]?.contains(ImageSpec.MediaType.ociManifest) == true)
        #expect(first.headers["Accept"]?.contains(ImageSpec.MediaType.dockerManifest) == true)
        let byDigest = try await client.pull("fake.example/team/app@\(record.manifestDigest)", into: store)
        #expect(byDigest.manifestDigest == record.manifestDigest)
        #expect(try store.list().count == 1)
        #expect(try store.resolve("fake.example/team/app@\(record.manifestDigest)")?.id == record.id)
        if isRoot {
            let dirs = try store.lowerDirs(for: record)
            #expect(try FS.readString("\(dirs[1])/etc/motd") == "pulled")
        }
    }

    @Test func choosesThisMachineFromAnIndex() async throws {
        let (dir, store, _, client) = try setUp("multi", multiPlatform: true)
        defer { cleanup(dir) }
        let record = try await client.pull("fake.example/team/app:1.0", into: store)
        #expect(record.config.cmd == ["sh"])
    }

    @Test func anonymousBearerToken() async throws {
        let (dir, store, registry, client) = try setUp("anon")
        defer { cleanup(dir) }
        registry.update { $0.bearer = true }
        #expect(try await client.pull("fake.example/team/app:1.0", into: store).names == ["fake.example/team/app:1.0"])
        #expect(registry.log.contains { $0.url == "https://fake.example/token?service=fake&scope=repository%3Ateam%2Fapp%3Apull" })
        #expect(registry.log.last?.headers["Authorization"] == "Bearer \(FakeRegistry.token)")
    }

    @Test func bearerTokenWithCredentialsAtTheRealm() async throws {
        var (dir, store, registry, client) = try setUp("bearer")
        defer { cleanup(dir) }
        registry.update { $0.bearer = true; $0.tokenBasic = ("u", "p") }
        await #expect { _ = try await client.pull("fake.example/team/app:1.0", into: store) } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .failedPrecondition && e.message.contains("token for manifest team/app:1.0")
        }
        client.config = RegistryConfig(configs: ["fake.example": .init(auth: .init(username: "u", password: "p"))])
        #expect(try await client.pull("fake.example/team/app:1.0", into: store).names == ["fake.example/team/app:1.0"])
    }

    @Test func basicAuth() async throws {
        var (dir, store, registry, client) = try setUp("basic")
        defer { cleanup(dir) }
        registry.update { $0.basic = ("user", "secret") }
        await #expect { _ = try await client.pull("fake.example/team/app:1.0", into: store) } throws: {
            ($0 as? SwkError)?.message.contains("wants a username and password") ?? false
        }
        client.config = RegistryConfig(configs: ["fake.example": .init(auth: .init(username: "user", password: "wrong"))])
        await #expect { _ = try await client.pull("fake.example/team/app:1.0", into: store) } throws: {
            ($0 as? SwkError)?.message.contains("UNAUTHORIZED") ?? false
        }
        try assertEmpty(store, dir)
        client.config = RegistryConfig(configs: ["fake.example": .init(auth: .init(username: "user", password: "secret"))])
        #expect(try await client.pull("fake.example/team/app:1.0", into: store).names == ["fake.example/team/app:1.0"])
    }

    @Test func retriesABurstOf5xxAndGivesUpOnALongerOne() async throws {
        let (dir, store, registry, client) = try setUp("5xx")
        defer { cleanup(dir) }
        registry.update { $0.unavailableBursts = 3 }
        #expect(try await client.pull("fake.example/team/app:1.0", into: store).names.count == 1)
        try store.remove("fake.example/team/app:1.0")
        registry.update { $0.unavailableBursts = 100 }
        await #expect { _ = try await client.pull("fake.example/team/app:1.0", into: store) } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .unavailable && e.message.contains("try later")
        }
        try assertEmpty(store, dir)
    }

    @Test func aResetMidBlobResumesWithRange() async throws {
        let big = String(repeating: "0123456789", count: 50_000)
        let (dir, store, registry, client) = try setUp("resume", layers: [[.file("big", big)]], compression: .none)
        defer { cleanup(dir) }
        let layers = registry.state.withLock { s in s.blobs.filter { $0.value.count > 100_000 }.map(\.key) }
        try #require(layers.count == 1)
        let size = registry.state.withLock { $0.blobs[layers[0]]?.count ?? 0 }
        registry.update { $0.truncateOnce = Set(layers) }
        _ = try await client.pull("fake.example/team/app:1.0", into: store)
        #expect(registry.log.contains { $0.headers["Range"] == "bytes=\(size / 2)-" })
        #expect(store.hasBlob(layers[0]))
        #expect(try FS.list("\(dir)/store/content/ingest").isEmpty)
    }

    @Test func aServerIgnoringRangeRestartsTheBlob() async throws {
        let (dir, store, registry, client) = try setUp("norange", layers: [[.file("big", String(repeating: "x", count: 200_000))]], compression: .none)
        defer { cleanup(dir) }
        let layers = registry.state.withLock { s in s.blobs.filter { $0.value.count > 100_000 }.map(\.key) }
        try #require(layers.count == 1)
        registry.update { $0.truncateOnce = Set(layers); $0.ignoreRange = true }
        _ = try await client.pull("fake.example/team/app:1.0", into: store)
        #expect(registry.log.contains { $0.headers["Range"] != nil })
        #expect(store.hasBlob(layers[0]))
        #expect(try store.list().count == 1)
    }

    @Test func aWrongBlobFailsThePullAndLeavesNothing() async throws {
        let (dir, store, registry, client) = try setUp("wrongblob")
        defer { cleanup(dir) }
        // Every blob (config and layers) arrives damaged; manifests are served intact.
        registry.update { $0.corrupt = Set($0.blobs.keys) }
        await #expect { _ = try await client.pull("fake.example/team/app:1.0", into: store) } throws: {
            ($0 as? SwkError)?.message.contains("digest mismatch") ?? false
        }
        try assertEmpty(store, dir)
        #expect(try FS.list("\(dir)/store/content/ingest").isEmpty)
    }

    @Test func mirrorsComeFirstAndADeadOneIsSkipped() async throws {
        var (dir, store, registry, client) = try setUp("mirror")
        defer { cleanup(dir) }
        client.config = RegistryConfig(mirrors: ["fake.example": .init(endpoint: ["http://mirror.local:5000/"])])
        _ = try await client.pull("fake.example/team/app:1.0", into: store)
        #expect(registry.log.allSatisfy { $0.url.hasPrefix("http://mirror.local:5000/v2/") })
        try store.remove("fake.example/team/app:1.0")
        registry.update { $0.downHosts = ["mirror.local:5000"]; $0.log = [] }
        _ = try await client.pull("fake.example/team/app:1.0", into: store)
        #expect(registry.log.contains { $0.url.hasPrefix("https://fake.example/v2/") })
    }

    @Test func manyLayersDownloadInParallelWithProgress() async throws {
        let layers: [[TarEntry]] = (0..<6).map { i in [.file("f\(i)", String(repeating: "\(i)", count: 10_000 * (i + 1)))] }
        var (dir, store, registry, client) = try setUp("parallel", layers: layers)
        defer { cleanup(dir) }
        registry.update { $0.bearer = true }
        let seen = Mutex<[String: RegistryClient.Progress]>([:])
        client.progress = { p in seen.withLock { $0[p.digest] = p } }
        let record = try await client.pull("fake.example/team/app:1.0", into: store)
        let manifest = try decode(ImageSpec.Manifest.self, try store.readBlob(record.manifestDigest), "manifest")
        let final = seen.withLock { $0 }
        for layer in manifest.layers {
            #expect(final[layer.digest] == .init(digest: layer.digest, completed: layer.size, total: layer.size))
        }
        // One token fetch: the layer downloads reuse the authorization the first requests earned.
        #expect(registry.log.filter { $0.url.contains("/token?") }.count == 1)
    }

    @Test func aMissingTagIsNotFound() async throws {
        let (dir, store, _, client) = try setUp("missing")
        defer { cleanup(dir) }
        await #expect { _ = try await client.pull("fake.example/team/app:nope", into: store) } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .notFound && e.message.contains("MANIFEST_UNKNOWN")
        }
    }

    @Test func parsesChallenges() async throws {
        let c = try #require(AuthChallenge(#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#))
        #expect(c.scheme == "bearer")
        #expect(c.parameters == ["realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                                 "scope": "repository:library/busybox:pull,push"])
        #expect(AuthChallenge(#"Basic realm="x""#)?.scheme == "basic")
        #expect(RegistryConfig().endpoints(for: "docker.io") == ["https://registry-1.docker.io"])
    }
}
