import Glibc
import ImageStore
import NIOSSL
import SwkSupport

/// The TLS client configuration per registry host (`host:port`), built from the registries file's
/// `configs.<host>.tls` the way containerd's CRI plugin does it (k3s hands it the same keys):
/// `ca_file` is trusted in addition to the system roots, `cert_file` + `key_file` are the client
/// certificate, `insecure_skip_verify` turns verification off. The files are read once, when
/// the transport is made, so a wrong path fails the pull at once with the file and field named.
enum RegistryTLS {
    static func configurations(_ config: RegistryConfig, file: String) throws(SwkError) -> [String: TLSConfiguration] {
        var out: [String: TLSConfiguration] = [:]
        for (host, hostConfig) in config.configs ?? [:] {
            guard let tls = hostConfig.tls, tls != RegistryConfig.TLS() else { continue }
            out[host] = try configuration(tls, field: "\(file): configs[\(host)].tls")
        }
        return out
    }

    static func configuration(_ tls: RegistryConfig.TLS, field: String) throws(SwkError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = tls.caFile {
            configuration.additionalTrustRoots = [.certificates(try certificates(caFile, "\(field).ca_file"))]
        }
        switch (tls.certFile, tls.keyFile) {
        case (let certFile?, let keyFile?):
            configuration.certificateChain = try certificates(certFile, "\(field).cert_file").map { .certificate($0) }
            let pem = try read(keyFile, "\(field).key_file")
            guard let key = try? NIOSSLPrivateKey(bytes: pem, format: .pem) else {
                throw SwkError(.invalidArgument, "\(field).key_file: \(keyFile): no PEM private key in the file")
            }
            configuration.privateKey = .privateKey(key)
        case (nil, nil):
            break
        case (let certFile, _):
            throw SwkError(.invalidArgument, "\(field): \(certFile == nil ? "key_file without cert_file" : "cert_file without key_file")")
        }
        if tls.insecureSkipVerify == true { configuration.certificateVerification = .none }
        return configuration
    }

    private static func certificates(_ path: String, _ field: String) throws(SwkError) -> [NIOSSLCertificate] {
        let pem = try read(path, field)
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(pem), !certificates.isEmpty else {
            throw SwkError(.invalidArgument, "\(field): \(path): no PEM certificate in the file")
        }
        return certificates
    }

    /// `…registries.yaml: configs[h].tls.ca_file: /x: no such file or directory`
    private static func read(_ path: String, _ field: String) throws(SwkError) -> [UInt8] {
        guard access(path, R_OK) == 0 else {
            let err = errno
            throw SwkError(err == ENOENT ? .notFound : .invalidArgument, "\(field): \(path): \(errnoText(err).lowercased())")
        }
        do {
            return try FS.readBytes(path)
        } catch {
            throw error.context(field)
        }
    }
}
