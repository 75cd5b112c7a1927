import FoundationEssentials
import SwkSupport

/// One HTTP request of the OCI distribution protocol.
public struct RegistryRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    /// Header names as sent; the transport must not add auth of its own.
    public var headers: [String: String]

    public init(method: String = "GET", url: String, headers: [String: String] = [:]) {
        self.method = method
        self.url = url
        self.headers = headers
    }
}

/// Status and headers of a response; header names are lowercased.
public struct RegistryResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]

    public init(status: Int, headers: [String: String] = [:]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

/// The HTTP layer under the registry client: one request, the response head, then the body in
/// chunks as they arrive (a blob is never held in memory). TLS (per registry, from the
/// registries file), plain HTTP for `http://` URLs, redirects (registries send blobs to storage
/// URLs) and timeouts are the transport's job; a connection failure or a reset mid-body is thrown
/// as `.unavailable` so the client retries. `swkube-pull` supplies the real one
/// (`HTTPClientTransport`); tests use an in-memory registry.
public protocol RegistryTransport: Sendable {
    func send(_ request: RegistryRequest,
              head: (RegistryResponse) throws(SwkError) -> Void,
              chunk: (UnsafeRawBufferPointer) throws(SwkError) -> Void) async throws(SwkError)
    /// Closes connections; the transport is not used afterwards.
    func shutdown() async
}

extension RegistryTransport {
    public func shutdown() async {}
}

/// Registry settings in the shape of k3s's `/etc/swkube/registries.yaml`:
/// `mirrors: {docker.io: {endpoint: [https://mirror.local:5000]}}` and
/// `configs: {mirror.local:5000: {auth: {username, password}, tls: {...}}}`.
/// An endpoint URL with `http://` means plain HTTP for that registry.
public struct RegistryConfig: Sendable, Equatable, Codable {
    public struct Mirror: Sendable, Equatable, Codable {
        public var endpoint: [String]
        public init(endpoint: [String]) { self.endpoint = endpoint }
    }

    public struct Auth: Sendable, Equatable, Codable {
        public var username: String?
        public var password: String?
        /// base64 of `username:password`, as in a docker config.json; used when `username` is absent.
        public var auth: String?
        /// A token that is used as is (`Authorization: Bearer`), like k3s's `identitytoken`.
        public var identitytoken: String?
        public init(username: String? = nil, password: String? = nil, auth: String? = nil, identitytoken: String? = nil) {
            self.username = username
            self.password = password
            self.auth = auth
            self.identitytoken = identitytoken
        }

        /// `username:password` for HTTP Basic, from the fields or else from `auth`.
        var basicCredentials: String? {
            if let username { return "\(username):\(password ?? "")" }
            guard let auth, let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                  text.contains(":") else { return nil }
            return text
        }
    }

    public struct TLS: Sendable, Equatable, Codable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var insecureSkipVerify: Bool?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecureSkipVerify: Bool? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecureSkipVerify = insecureSkipVerify
        }

        enum CodingKeys: String, CodingKey {
            case caFile = "ca_file", certFile = "cert_file", keyFile = "key_file"
            case insecureSkipVerify = "insecure_skip_verify"
        }
    }

    public struct HostConfig: Sendable, Equatable, Codable {
        public var auth: Auth?
        public var tls: TLS?
        /// swkube's own setting (not k3s's): talk plain HTTP to this registry, for a local one.
        public var insecure: Bool?
        public init(auth: Auth? = nil, tls: TLS? = nil, insecure: Bool? = nil) {
            self.auth = auth
            self.tls = tls
            self.insecure = insecure
        }
    }

    public var mirrors: [String: Mirror]?
    public var configs: [String: HostConfig]?

    public init(mirrors: [String: Mirror]? = nil, configs: [String: HostConfig]? = nil) {
        self.mirrors = mirrors
        self.configs = configs
    }

    /// Base URLs to try for `domain`, mirrors first, then the registry itself (docker.io is
    /// served by registry-1.docker.io).
    /// An endpoint without a scheme is https, or http for a host marked `insecure`.
    func endpoints(for domain: String) -> [String] {
        var out = (mirrors?[domain]?.endpoint ?? []).map { endpoint in
            let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            return trimmed.contains("://") ? trimmed : "\(scheme(for: trimmed))://\(trimmed)"
        }
        let own = domain == "docker.io" ? "https://registry-1.docker.io" : "\(scheme(for: domain))://\(domain)"
        if !out.contains(own) && !out.contains("http://\(domain)") { out.append(own) }
        return out
    }

    private func scheme(for host: String) -> String {
        configs?[host]?.insecure == true ? "http" : "https"
    }

    /// Credentials for an endpoint URL, looked up by its host (`host:port`).
    func auth(for endpoint: String) -> Auth? {
        configs?[Self.host(of: endpoint)]?.auth
    }

    /// `host:port` of a URL: the key of `configs` (for auth here, for TLS in the transport).
    public static func host(of url: String) -> String {
        let rest = url.split(separator: "://", maxSplits: 1).last.map(String.init) ?? url
        return String(rest.prefix { $0 != "/" })
    }
}

/// An authentication challenge from `WWW-Authenticate`, e.g.
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`.
struct AuthChallenge: Equatable {
    var scheme: String
    var parameters: [String: String]

    init?(_ header: String) {
        let trimmed = header.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            scheme = trimmed.lowercased()
            parameters = [:]
            return
        }
        scheme = trimmed[..<space].lowercased()
        parameters = Self.parse(trimmed[trimmed.index(after: space)...])
    }

    /// `key=value` or `key="quoted, value"` pairs separated by commas.
    private static func parse(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var i = s.startIndex
        while i < s.endIndex {
            while i < s.endIndex, s[i] == " " || s[i] == "," { i = s.index(after: i) }
            guard let eq = s[i...].firstIndex(of: "=") else { break }
            let key = trimSpaces(s[i..<eq]).lowercased()
            var j = s.index(after: eq)
            var value = ""
            if j < s.endIndex, s[j] == "\"" {
                j = s.index(after: j)
                while j < s.endIndex, s[j] != "\"" {
                    if s[j] == "\\", s.index(after: j) < s.endIndex { j = s.index(after: j) }
                    value.append(s[j])
                    j = s.index(after: j)
                }
                if j < s.endIndex { j = s.index(after: j) }
            } else {
                while j < s.endIndex, s[j] != "," {
                    value.append(s[j])
                    j = s.index(after: j)
                }
                value = trimSpaces(Substring(value))
            }
            out[key] = value
            i = j
        }
        return out
    }
}

private func trimSpaces(_ s: Substring) -> String {
    String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
}

/// `{"token": …}` or `{"access_token": …}` from a token endpoint.
struct TokenResponse: Decodable {
    var token: String?
    var accessToken: String?

    enum CodingKeys: String, CodingKey {
        case token
        case accessToken = "access_token"
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
func queryEscape(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(Character(Unicode.Scalar(b)))
        default:
            out += "%" + hexString([b]).uppercased()
        }
    }
    return out
}
