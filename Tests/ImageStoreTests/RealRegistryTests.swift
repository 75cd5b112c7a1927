import Glibc
@testable import ImageStore
import OCI
import RegistryHTTP
import SwkSupport
import Testing

/// Debian's docker-registry (CNCF distribution), started per test on 127.0.0.1 with temp storage.
final class LocalRegistry {
    let pid: pid_t
    let host: String
    let credentials: (user: String, password: String)?

    /// `swkube:s3cret`, bcrypt cost 4 (htpasswd wants bcrypt; precomputed so no tool is needed).
    static let htpasswd = "swkube:$2b$04$OGVEZbytLTbAAVgg30hogeidIJEKSSLLeZ7/sZPKIsHZsrVoX5BKe\n"

    /// Starts a registry on a free port and waits (bounded) until it answers.
    init(dir: String, basicAuth: Bool = false) async throws {
        try FS.makeDirectories("\(dir)/data")
        credentials = basicAuth ? ("swkube", "s3cret") : nil
        var auth = ""
        if basicAuth {
            try FS.writeAtomic("\(dir)/htpasswd", Self.htpasswd)
            auth = "auth: {htpasswd: {realm: swkube-test, path: \(dir)/htpasswd}}\n"
        }
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            let config = "\(dir)/config.yml"
            try FS.writeAtomic(config, """
                version: 0.1
                log: {level: warn}
                storage: {filesystem: {rootdirectory: \(dir)/data}, delete: {enabled: true}}
                http: {addr: 127.0.0.1:\(port)}
                """ + "\n" + auth)
            let log = open("\(dir)/registry.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            defer { close(log) }
            let pid = try Spawn.start(["/usr/bin/docker-registry", "serve", config], stdout: .fd(log), stderr: .fd(log))
            let transport = URLSessionTransport(idleTimeout: 2)
            for _ in 0..<200 {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { break } // exited: port taken, try another
                var code = 0
                try? await transport.send(RegistryRequest(url: "http://127.0.0.1:\(port)/v2/"), head: { code = $0.status }, chunk: { _ in })
                if code == 200 || code == 401 {
                    self.pid = pid
                    self.host = "127.0.0.1:\(port)"
                    return
                }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            kill(pid, SIGKILL)
            _ = try? Spawn.wait(pid)
        }
        throw SwkError(.unavailable, "docker-registry did not start; see \(dir)/registry.log")
    }

    func stop() {
        kill(pid, SIGTERM)
        _ = try? Spawn.wait(pid)
    }

    /// `skopeo copy` of an OCI archive to `repo:tag` here, in the given manifest format.
    func push(_ archive: String, _ repoTag: String, format: String = "oci") throws {
        let creds = credentials.map { ["--dest-creds", "\($0.user):\($0.password)"] } ?? []
        try run(["/usr/bin/skopeo", "copy", "-q", "--dest-tls-verify=false", "--format", format] + creds +
                ["oci-archive:\(archive)", "docker://\(host)/\(repoTag)"])
    }

    func client(user: String? = nil, password: String? = nil) -> RegistryClient {
        RegistryClient(transport: URLSessionTransport(),
                       config: RegistryConfig(mirrors: [host: .init(endpoint: ["http://\(host)"])],
                                              configs: [host: .init(auth: .init(username: user, password: password))]),
                       backoff: { _ in })
    }
}

@Suite(.enabled(if: FS.exists("/usr/bin/docker-registry") && FS.exists("/usr/bin/skopeo"), "needs docker-registry and skopeo"))
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
        let client = registry.client()

        let oci = try await client.pull("\(registry.host)/swkube/demo:1.0", into: store)
        #expect(oci.names == ["\(registry.host)/swkube/demo:1.0"])
        #expect(oci.config.cmd == ["sh"])
        let v2 = try await client.pull("\(registry.host)/swkube/demo:schema2", into: store)
        #expect(v2.id == oci.id)
        #expect(try store.readBlob(v2.manifestDigest).count > 0)
        let manifest = try decode(ImageSpec.Manifest.self, try store.readBlob(v2.manifestDigest), "manifest")
        #expect(manifest.mediaType == ImageSpec.MediaType.dockerManifest)
        let byDigest = try await client.pull("\(registry.host)/swkube/demo@\(oci.manifestDigest)", into: store)
        #expect(byDigest.manifestDigest == oci.manifestDigest)
        if isRoot {
            #expect(try filesUnder(try store.lowerDirs(for: v2)[0]).contains("bin/busybox"))
        }
        await #expect { _ = try await client.pull("\(registry.host)/swkube/demo:missing", into: store) } throws: {
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
        let image = try await registry.client().pull("\(registry.host)/team/wh:1", into: store)
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
        await #expect { _ = try await registry.client().pull(ref, into: store) } throws: {
            ($0 as? SwkError)?.message.contains("wants a username and password") ?? false
        }
        await #expect { _ = try await registry.client(user: "swkube", password: "wrong").pull(ref, into: store) } throws: {
            guard let e = $0 as? SwkError else { return false }
            return e.code == .failedPrecondition && e.message.contains("HTTP 401")
        }
        #expect(try store.list().isEmpty)
        let image = try await registry.client(user: "swkube", password: "s3cret").pull(ref, into: store)
        #expect(image.names == [ref])
    }
}
