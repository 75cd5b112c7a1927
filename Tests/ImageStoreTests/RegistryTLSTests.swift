import Glibc
@testable import ImageStore
import RegistryHTTP
import SwkSupport
import Testing
import TestSupport

/// docker-registry over https with a test CA made by the openssl CLI, and `configs.<host>.tls`
/// of the registries file applied by the AsyncHTTPClient transport.
@Suite(.enabled(if: LocalRegistry.isAvailable && TestPKI.isAvailable, "needs docker-registry, skopeo and openssl"))
struct RegistryTLSTests {
    static func isUntrusted(_ error: any Error) -> Bool {
        guard let e = error as? SwkError else { return false }
        return e.code == .failedPrecondition && e.message.contains("is not signed by a trusted CA (set configs[")
    }

    @Test func caFileInsecureSkipVerifyAndAnUntrustedCertificate() async throws {
        let dir = try makeTempDir("registry-tls")
        defer { cleanup(dir) }
        let pki = try TestPKI(dir: "\(dir)/pki")
        let server = try pki.issue("127.0.0.1", usage: .server)
        let registry = try await LocalRegistry(dir: "\(dir)/registry", tls: .init(cert: server.cert, key: server.key))
        defer { registry.stop() }
        try registry.push(try buildDemo(in: dir), "swkube/demo:1.0")
        let store = try ImageStore(root: "\(dir)/store")
        let ref = "\(registry.host)/swkube/demo:1.0"

        // The system roots do not know the test CA, nor does another CA.
        await #expect { _ = try await registry.pull(ref, into: store) } throws: { Self.isUntrusted($0) }
        let other = try TestPKI(dir: "\(dir)/pki", name: "other")
        await #expect { _ = try await registry.pull(ref, into: store, tls: .init(caFile: other.caCert)) } throws: { Self.isUntrusted($0) }
        #expect(try store.list().isEmpty)

        let image = try await registry.pull(ref, into: store, tls: .init(caFile: pki.caCert))
        #expect(image.names == [ref])
        let skipped = try await registry.pull(ref, into: try ImageStore(root: "\(dir)/store2"), tls: .init(insecureSkipVerify: true))
        #expect(skipped.manifestDigest == image.manifestDigest)
    }

    @Test func clientCertificates() async throws {
        let dir = try makeTempDir("registry-mtls")
        defer { cleanup(dir) }
        let pki = try TestPKI(dir: "\(dir)/pki")
        let server = try pki.issue("127.0.0.1", usage: .server)
        let client = try pki.issue("swkube node", usage: .client)
        let registry = try await LocalRegistry(dir: "\(dir)/registry", tls: .init(cert: server.cert, key: server.key, clientCA: pki.caCert))
        defer { registry.stop() }
        // skopeo's certs.d layout: `*.cert` + `*.key` is a client certificate.
        try FS.makeDirectories("\(dir)/certs.d")
        try FS.writeAtomic("\(dir)/certs.d/client.cert", try FS.readString(client.cert))
        try FS.writeAtomic("\(dir)/certs.d/client.key", try FS.readString(client.key))
        try registry.push(try buildDemo(in: dir), "swkube/demo:1.0", certDir: "\(dir)/certs.d")
        let store = try ImageStore(root: "\(dir)/store")
        let ref = "\(registry.host)/swkube/demo:1.0"

        func refused(_ error: any Error) -> Bool {
            guard let e = error as? SwkError else { return false }
            return e.code == .failedPrecondition && e.message.contains("wants a client certificate it trusts")
        }
        await #expect { _ = try await registry.pull(ref, into: store, tls: .init(caFile: pki.caCert)) } throws: { refused($0) }
        let stranger = try TestPKI(dir: "\(dir)/pki", name: "stranger").issue("intruder", usage: .client)
        await #expect {
            _ = try await registry.pull(ref, into: store, tls: .init(caFile: pki.caCert, certFile: stranger.cert, keyFile: stranger.key))
        } throws: { refused($0) }
        #expect(try store.list().isEmpty)

        let image = try await registry.pull(ref, into: store, tls: .init(caFile: pki.caCert, certFile: client.cert, keyFile: client.key))
        #expect(image.names == [ref])
    }
}

/// The TLS settings are read when the transport is made; errors name the file and the field.
struct RegistryTLSSettingsTests {
    func make(_ tls: RegistryConfig.TLS) async throws {
        let transport = try HTTPClientTransport(config: RegistryConfig(configs: ["r.example:5000": .init(tls: tls)]),
                                                configFile: "/etc/swkube/registries.yaml")
        await transport.shutdown()
    }

    @Test func unusableFilesAndHalfAKeyPair() async throws {
        let dir = try makeTempDir("tls-settings")
        defer { cleanup(dir) }
        let field = "/etc/swkube/registries.yaml: configs[r.example:5000].tls"
        await #expect { try await make(.init(caFile: "\(dir)/none.pem")) } throws: {
            ($0 as? SwkError)?.message == "\(field).ca_file: \(dir)/none.pem: no such file or directory"
        }
        try FS.writeAtomic("\(dir)/junk.pem", "not a certificate\n")
        await #expect { try await make(.init(caFile: "\(dir)/junk.pem")) } throws: {
            ($0 as? SwkError)?.message == "\(field).ca_file: \(dir)/junk.pem: no PEM certificate in the file"
        }
        await #expect { try await make(.init(certFile: "\(dir)/junk.pem")) } throws: {
            ($0 as? SwkError)?.message == "\(field): cert_file without key_file"
        }
        await #expect { try await make(.init(keyFile: "\(dir)/junk.pem")) } throws: {
            ($0 as? SwkError)?.message == "\(field): key_file without cert_file"
        }
        await #expect { try await make(.init(certFile: "\(dir)/none.crt", keyFile: "\(dir)/none.key")) } throws: {
            ($0 as? SwkError)?.message == "\(field).cert_file: \(dir)/none.crt: no such file or directory"
        }
    }
}
