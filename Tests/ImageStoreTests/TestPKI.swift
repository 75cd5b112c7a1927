import Glibc
import SwkSupport

/// A throwaway certificate authority made with the `openssl` CLI, for registries served over TLS,
/// client certificates and token signing. Files are PEM under `dir`; keys are RSA 2048.
struct TestPKI {
    let dir: String
    let name: String
    var caCert: String { "\(dir)/\(name)-ca.crt" }
    var caKey: String { "\(dir)/\(name)-ca.key" }

    static let isAvailable = FS.exists("/usr/bin/openssl")

    /// A self-signed CA called `name`.
    init(dir: String, name: String = "test") throws {
        self.dir = dir
        self.name = name
        try FS.makeDirectories(dir)
        let ext = "\(dir)/\(name)-ca.ext"
        try FS.writeAtomic(ext, """
            [req]
            distinguished_name = dn
            x509_extensions = ca
            [dn]
            [ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash

            """)
        try run(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-config", ext,
                 "-keyout", caKey, "-out", caCert, "-days", "2", "-subj", "/CN=swkube \(name) CA"])
    }

    enum Usage: String {
        case server = "serverAuth"
        case client = "clientAuth"
        case signing = "codeSigning"
    }

    /// A certificate for `commonName` signed by this CA; returns (cert, key) paths. A server
    /// certificate is valid for 127.0.0.1 (an IP SAN, as clients check for an address).
    func issue(_ commonName: String, usage: Usage) throws -> (cert: String, key: String) {
        let base = "\(dir)/\(name)-\(commonName.split(separator: " ").joined(separator: "-"))"
        let ext = "\(base).ext"
        var lines = ["basicConstraints = CA:FALSE", "keyUsage = critical,digitalSignature,keyEncipherment",
                     "extendedKeyUsage = \(usage.rawValue)", "authorityKeyIdentifier = keyid"]
        if usage == .server { lines.append("subjectAltName = IP:127.0.0.1") }
        try FS.writeAtomic(ext, lines.joined(separator: "\n") + "\n")
        try run(["/usr/bin/openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(base).key",
                 "-out", "\(base).csr", "-subj", "/CN=\(commonName)"])
        try run(["/usr/bin/openssl", "x509", "-req", "-in", "\(base).csr", "-CA", caCert, "-CAkey", caKey,
                 "-set_serial", "\(UInt32.random(in: 1 ... .max))", "-days", "2", "-extfile", ext, "-out", "\(base).crt"])
        return ("\(base).crt", "\(base).key")
    }
}
