import Glibc
@testable import ImageStore
import RegistryHTTP
import SwkSupport

/// Debian's docker-registry (CNCF distribution 2.8), started per test on 127.0.0.1 with temp
/// storage and a config file of its own: plain HTTP, htpasswd basic auth, TLS (optionally
/// requiring client certificates) or a token server.
final class LocalRegistry {
    struct TLSFiles {
        var cert: String
        var key: String
        /// When set, the registry requires a client certificate signed by this CA.
        var clientCA: String?
    }

    /// docker-registry's `auth: token` settings.
    struct TokenAuth {
        var realm: String
        var service: String
        var issuer: String
        var rootCertBundle: String
    }

    let dir: String
    let port: Int
    let host: String
    let scheme: String
    let tls: TLSFiles?
    let credentials: (user: String, password: String)?
    private(set) var pid: pid_t = 0

    /// `swkube:s3cret`, bcrypt cost 4 (htpasswd wants bcrypt; precomputed so no tool is needed).
    static let htpasswd = "swkube:$2b$04$OGVEZbytLTbAAVgg30hogeidIJEKSSLLeZ7/sZPKIsHZsrVoX5BKe\n"
    static let isAvailable = FS.exists("/usr/bin/docker-registry") && FS.exists("/usr/bin/skopeo")

    /// Starts a registry on a free port and waits (bounded) until it listens. `credentials` are
    /// what `push` hands skopeo (for basic or token auth).
    init(dir: String, basicAuth: Bool = false, tls: TLSFiles? = nil, token: TokenAuth? = nil,
         credentials: (user: String, password: String)? = nil) async throws {
        self.dir = dir
        self.tls = tls
        scheme = tls == nil ? "http" : "https"
        try FS.makeDirectories("\(dir)/data")
        self.credentials = basicAuth ? ("swkube", "s3cret") : credentials
        var extra = ""
        if basicAuth {
            try FS.writeAtomic("\(dir)/htpasswd", Self.htpasswd)
            extra += "auth: {htpasswd: {realm: swkube-test, path: \(dir)/htpasswd}}\n"
        }
        if let token {
            extra += "auth: {token: {realm: \"\(token.realm)\", service: \(token.service), issuer: \(token.issuer),"
                + " rootcertbundle: \(token.rootCertBundle)}}\n"
        }
        var http = ""
        if let tls {
            http = ", tls: {certificate: \(tls.cert), key: \(tls.key)\(tls.clientCA.map { ", clientcas: [\($0)]" } ?? "")}"
        }
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            try FS.writeAtomic("\(dir)/config.yml", """
                version: 0.1
                log: {level: warn}
                storage: {filesystem: {rootdirectory: \(dir)/data}, delete: {enabled: true}}
                http: {addr: 127.0.0.1:\(port)\(http)}
                """ + "\n" + extra)
            if let pid = try await Self.serve(dir: dir, port: port) {
                self.pid = pid
                self.port = port
                host = "127.0.0.1:\(port)"
                return
            }
        }
        throw SwkError(.unavailable, "docker-registry did not start; see \(dir)/registry.log")
    }

    /// Runs docker-registry with `dir/config.yml`; nil when it exits (port taken) or never listens.
    private static func serve(dir: String, port: Int) async throws -> pid_t? {
        let log = open("\(dir)/registry.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(log) }
        let pid = try Spawn.start(["/usr/bin/docker-registry", "serve", "\(dir)/config.yml"], stdout: .fd(log), stderr: .fd(log))
        for _ in 0..<200 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return nil }
            if isListening(port: port) { return pid }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        Glibc.kill(pid, SIGKILL)
        _ = try? Spawn.wait(pid)
        return nil
    }

    /// Starts the registry again with the same config, port and storage (after `kill`).
    func restart() async throws {
        guard let pid = try await Self.serve(dir: dir, port: port) else {
            throw SwkError(.unavailable, "docker-registry did not restart on \(host); see \(dir)/registry.log")
        }
        self.pid = pid
    }

    /// SIGKILL, as a crash or power cut would end it.
    func kill() {
        end(SIGKILL)
    }

    func stop() {
        end(SIGTERM)
    }

    /// Signals and reaps the process once (its pid may be reused afterwards).
    private func end(_ signal: Int32) {
        guard pid > 0 else { return }
        Glibc.kill(pid, signal)
        _ = try? Spawn.wait(pid)
        pid = 0
    }

    /// `skopeo copy` of an OCI archive to `repo:tag` here, in the given manifest format. Over TLS
    /// skopeo does not verify the server but presents `certDir`'s `*.cert`/`*.key` when asked.
    func push(_ archive: String, _ repoTag: String, format: String = "oci", certDir: String? = nil) throws {
        let creds = credentials.map { ["--dest-creds", "\($0.user):\($0.password)"] } ?? []
        let certs = certDir.map { ["--dest-cert-dir", $0] } ?? []
        try run(["/usr/bin/skopeo", "copy", "-q", "--dest-tls-verify=false", "--format", format] + creds + certs +
                ["oci-archive:\(archive)", "docker://\(host)/\(repoTag)"])
    }

    /// The registries file a node would have for this registry.
    func config(user: String? = nil, password: String? = nil, tls: RegistryConfig.TLS? = nil) -> RegistryConfig {
        RegistryConfig(mirrors: scheme == "http" ? [host: .init(endpoint: ["http://\(host)"])] : nil,
                       configs: [host: .init(auth: .init(username: user, password: password), tls: tls)])
    }

    /// Pulls through a transport of its own (made from `config`, shut down afterwards), without
    /// waits between retries.
    func pull(_ reference: String, into store: ImageStore, user: String? = nil, password: String? = nil,
              tls: RegistryConfig.TLS? = nil, progress: (@Sendable (RegistryClient.Progress) -> Void)? = nil) async throws -> ImageRecord {
        try await Self.pull(reference, into: store, config: config(user: user, password: password, tls: tls), progress: progress)
    }

    static func pull(_ reference: String, into store: ImageStore, config: RegistryConfig,
                     progress: (@Sendable (RegistryClient.Progress) -> Void)? = nil) async throws -> ImageRecord {
        let transport = try HTTPClientTransport(config: config, configFile: "registries.yaml", idleTimeout: .seconds(10))
        var client = RegistryClient(transport: transport, config: config, backoff: { _ in })
        client.progress = progress
        do {
            let record = try await client.pull(reference, into: store)
            await transport.shutdown()
            return record
        } catch {
            await transport.shutdown()
            throw error
        }
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func isListening(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
