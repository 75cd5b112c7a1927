import FoundationEssentials
import OCI
import SwkSupport

/// Pulls images over the OCI distribution protocol into an `ImageStore`.
///
/// A pull, per endpoint (mirrors first, then the registry itself; the next one is tried when one
/// fails): fetch the manifest by tag or digest, sending the OCI and Docker media types in Accept
/// (distribution serves OCI manifests only to clients that ask); if it is an index, fetch this
/// machine's manifest from it; download the config and each missing layer into a resumable,
/// verified `BlobIngest`; store the manifest last; register the name. A `ContentLease` keeps the
/// collector away meanwhile. Authentication follows the registry's `WWW-Authenticate` challenge:
/// Bearer (anonymous or with basic credentials at the token realm) or Basic. Failures that may
/// pass (5xx, 429, resets, a body cut short) are retried with backoff; a blob resumes with
/// `Range` where it stopped. Layers download in parallel (`parallelDownloads` at a time) after the
/// config, whose request settles authentication first.
public struct RegistryClient: Sendable {
    /// Bytes of one blob so far, for a progress display; called from download tasks.
    public struct Progress: Sendable, Equatable {
        public var digest: String
        public var completed: Int64
        public var total: Int64

        public init(digest: String, completed: Int64, total: Int64) {
            self.digest = digest
            self.completed = completed
            self.total = total
        }
    }

    public var transport: any RegistryTransport
    public var config: RegistryConfig
    /// Attempts per request before giving up on an endpoint.
    public var attempts: Int
    /// Waits before retry `n` (1-based). The default doubles from 0.5 s, capped at 8 s.
    public var backoff: @Sendable (Int) async -> Void
    public var parallelDownloads = 3
    public var progress: (@Sendable (Progress) -> Void)?

    public init(transport: any RegistryTransport, config: RegistryConfig = .init(), attempts: Int = 4,
                backoff: @escaping @Sendable (Int) async -> Void = RegistryClient.exponentialBackoff) {
        self.transport = transport
        self.config = config
        self.attempts = attempts
        self.backoff = backoff
    }

    public static let exponentialBackoff: @Sendable (Int) async -> Void = { n in
        try? await Task.sleep(nanoseconds: UInt64(500_000_000) << UInt64(min(max(n - 1, 0), 4)))
    }

    static let manifestAccept = [ImageSpec.MediaType.ociIndex, ImageSpec.MediaType.ociManifest,
                                 ImageSpec.MediaType.dockerManifestList, ImageSpec.MediaType.dockerManifest].joined(separator: ", ")

    /// Pulls `reference` (normalised like `ImageReference`) and returns the registered image.
    public func pull(_ reference: String, into store: ImageStore) async throws(SwkError) -> ImageRecord {
        let ref = try ImageReference.parse(reference)
        let lease = try store.lease()
        defer { withExtendedLifetime(lease) {} }
        var failures: [String] = []
        var code = SwkError.Code.unavailable
        for endpoint in config.endpoints(for: ref.domain) {
            let session = PullSession(client: self, endpoint: endpoint, repository: ref.path, auth: config.auth(for: endpoint))
            do throws(SwkError) {
                return try await session.pull(ref, into: store)
            } catch {
                failures.append(error.message.contains(endpoint) ? error.message : "\(endpoint): \(error.message)")
                code = error.code
            }
        }
        throw SwkError(code, "pull \(ref.normalized): \(failures.joined(separator: "; "))")
    }
}

/// One pull against one endpoint; holds the authorization it earned. Used by one task only.
final class PullSession {
    let client: RegistryClient
    let endpoint: String
    let repository: String
    let auth: RegistryConfig.Auth?
    private var authorization: String?

    init(client: RegistryClient, endpoint: String, repository: String, auth: RegistryConfig.Auth?) {
        self.client = client
        self.endpoint = endpoint
        self.repository = repository
        self.auth = auth
        if let token = auth?.identitytoken { authorization = "Bearer \(token)" }
    }

    func pull(_ ref: ImageReference.Parsed, into store: ImageStore) async throws(SwkError) -> ImageRecord {
        var target = ref.digest ?? ref.tag ?? "latest"
        var (bytes, mediaType) = try await fetchManifest(target)
        var digest = try Digest.sha256(bytes)
        if let expected = ref.digest, expected != digest {
            throw SwkError(.invalidArgument, "manifest \(expected): content has digest \(digest)")
        }
        if ImageSpec.MediaType.isIndex(mediaType) {
            let index = try decode(ImageSpec.Index.self, bytes, "index \(digest)")
            let chosen = try ImagePlatform.choose(from: index, label: "index \(digest)")
            target = chosen.digest
            (bytes, mediaType) = try await fetchManifest(target)
            digest = try Digest.sha256(bytes)
            guard digest == chosen.digest else {
                throw SwkError(.invalidArgument, "manifest \(chosen.digest): content has digest \(digest)")
            }
        }
        guard ImageSpec.MediaType.isManifest(mediaType) else {
            throw SwkError(.invalidArgument, "manifest \(target): unsupported media type \(mediaType ?? "none")")
        }
        let manifest = try decode(ImageSpec.Manifest.self, bytes, "manifest \(digest)")
        if !store.hasBlob(manifest.config.digest) { try await fetchBlob(manifest.config, into: store) }
        try await fetchInParallel(manifest.layers, into: store)
        if !store.hasBlob(digest) {
            let w = try store.openIngest(for: .init(mediaType: mediaType ?? "", digest: digest, size: Int64(bytes.count)))
            try w.write(bytes)
            try w.commit()
        }
        return try store.register(names: [ref.normalized], manifestDigest: digest)
    }

    // MARK: requests

    private var base: String { "\(endpoint)/v2/\(repository)" }

    /// A manifest or index and its media type (the document's own field, else Content-Type).
    private func fetchManifest(_ reference: String) async throws(SwkError) -> ([UInt8], String?) {
        try await retrying { () async throws(SwkError) -> ([UInt8], String?) in
            var body: [UInt8] = []
            var contentType: String?
            let what = "manifest \(repository):\(reference)"
            try await send("\(base)/manifests/\(reference)", ["Accept": RegistryClient.manifestAccept], what,
                           head: { r in contentType = r.headers["content-type"]?.split(separator: ";").first.map { String($0) } },
                           chunk: { (b) throws(SwkError) in
                               guard body.count + b.count <= 4 << 20 else { throw SwkError(.invalidArgument, "\(what) is larger than 4 MiB") }
                               body.append(contentsOf: b)
                           })
            struct Typed: Decodable { var mediaType: String? }
            let declared = try? JSONDecoder().decode(Typed.self, from: Data(body)).mediaType
            return (body, declared ?? contentType)
        }
    }

    /// Downloads the missing blobs, a few at a time, each in a session that starts with the
    /// authorization this one earned.
    private func fetchInParallel(_ descriptors: [ImageSpec.Descriptor], into store: ImageStore) async throws(SwkError) {
        var seen: Set<String> = []
        var pending = descriptors.filter { !store.hasBlob($0.digest) && seen.insert($0.digest).inserted }[...]
        let (client, endpoint, repository, auth, authorization) = (client, endpoint, repository, auth, authorization)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                func start(_ d: ImageSpec.Descriptor) {
                    group.addTask {
                        let session = PullSession(client: client, endpoint: endpoint, repository: repository, auth: auth)
                        if let authorization { session.authorization = authorization }
                        try await session.fetchBlob(d, into: store)
                    }
                }
                for _ in 0..<max(1, client.parallelDownloads) {
                    guard let d = pending.popFirst() else { break }
                    start(d)
                }
                while try await group.next() != nil {
                    if let d = pending.popFirst() { start(d) }
                }
            }
        } catch let error as SwkError {
            throw error
        } catch {
            throw SwkError(.internal, "download layers of \(repository)", cause: error)
        }
    }

    private func fetchBlob(_ d: ImageSpec.Descriptor, into store: ImageStore) async throws(SwkError) {
        let ingest: BlobIngest
        do throws(SwkError) {
            ingest = try store.openIngest(for: d)
        } catch {
            if error.code == .alreadyExists { return }
            throw error
        }
        try await retrying { () async throws(SwkError) in
            let from = ingest.offset
            guard from < d.size else { return }
            try await send("\(base)/blobs/\(d.digest)", from > 0 ? ["Range": "bytes=\(from)-"] : [:], "blob \(d.digest)",
                           head: { (r) throws(SwkError) in if r.status == 200 && from > 0 { try ingest.restart() } },
                           chunk: { (b) throws(SwkError) in
                               try ingest.write(b)
                               client.progress?(.init(digest: d.digest, completed: ingest.offset, total: d.size))
                           })
            guard ingest.offset == d.size else {
                throw SwkError(.unavailable, "blob \(d.digest): body ended after \(ingest.offset) of \(d.size) bytes")
            }
        }
        try ingest.commit()
    }

    /// Runs `op` again after retryable failures, up to the client's attempt count.
    private func retrying<T>(_ op: () async throws(SwkError) -> T) async throws(SwkError) -> T {
        var attempt = 1
        while true {
            do throws(SwkError) {
                return try await op()
            } catch {
                guard error.code == .unavailable, attempt < client.attempts else { throw error }
                await client.backoff(attempt)
                attempt += 1
            }
        }
    }

    /// One GET, answering an auth challenge once. 2xx bodies go to `chunk`; other statuses
    /// become errors of the matching class, with the registry's own message.
    private func send(_ url: String, _ headers: [String: String], _ what: String,
                      head: (RegistryResponse) throws(SwkError) -> Void,
                      chunk: (UnsafeRawBufferPointer) throws(SwkError) -> Void) async throws(SwkError) {
        for attempt in 0..<2 {
            var request = RegistryRequest(url: url, headers: headers)
            if let authorization { request.headers["Authorization"] = authorization }
            var response: RegistryResponse?
            var errorBody: [UInt8] = []
            try await client.transport.send(request, head: { (r) throws(SwkError) in
                response = r
                if r.status / 100 == 2 { try head(r) }
            }, chunk: { (b) throws(SwkError) in
                if let r = response, r.status / 100 == 2 {
                    try chunk(b)
                } else if errorBody.count < 65536 {
                    errorBody.append(contentsOf: b)
                }
            })
            guard let r = response else { throw SwkError(.unavailable, "\(what): no response from \(endpoint)") }
            if r.status / 100 == 2 { return }
            if r.status == 401, attempt == 0, let header = r.headers["www-authenticate"], let challenge = AuthChallenge(header) {
                try await authenticate(challenge, what)
                continue
            }
            throw Self.statusError(r.status, errorBody, "\(what) from \(endpoint)")
        }
    }

    private func authenticate(_ challenge: AuthChallenge, _ what: String) async throws(SwkError) {
        let basic = auth?.basicCredentials.map { "Basic " + Data($0.utf8).base64EncodedString() }
        switch challenge.scheme {
        case "basic":
            guard let basic else { throw SwkError(.failedPrecondition, "\(what): \(endpoint) wants a username and password") }
            authorization = basic
        case "bearer":
            guard let realm = challenge.parameters["realm"] else {
                throw SwkError(.invalidArgument, "\(what): bearer challenge from \(endpoint) without a realm")
            }
            var query: [String] = []
            if let service = challenge.parameters["service"] { query.append("service=\(queryEscape(service))") }
            query.append("scope=\(queryEscape(challenge.parameters["scope"] ?? "repository:\(repository):pull"))")
            let url = realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&")
            var body: [UInt8] = []
            var status = 0
            let request = RegistryRequest(url: url, headers: basic.map { ["Authorization": $0] } ?? [:])
            try await client.transport.send(request, head: { status = $0.status }, chunk: { (b) throws(SwkError) in
                guard body.count + b.count <= 1 << 20 else { throw SwkError(.invalidArgument, "token from \(realm) is larger than 1 MiB") }
                body.append(contentsOf: b)
            })
            guard status == 200 else { throw Self.statusError(status, body, "token for \(what) from \(realm)") }
            let token = try decode(TokenResponse.self, body, "token from \(realm)")
            guard let value = token.token ?? token.accessToken else {
                throw SwkError(.invalidArgument, "token endpoint \(realm) returned no token")
            }
            authorization = "Bearer \(value)"
        default:
            throw SwkError(.invalidArgument, "\(what): unsupported auth scheme \(challenge.scheme) from \(endpoint)")
        }
    }

    /// The error class for an HTTP status, with the first message of a distribution error body.
    static func statusError(_ status: Int, _ body: [UInt8], _ what: String) -> SwkError {
        struct Errors: Decodable {
            struct Entry: Decodable { var code: String?; var message: String? }
            var errors: [Entry]?
        }
        let entry = (try? JSONDecoder().decode(Errors.self, from: Data(body)))?.errors?.first
        // The registry's own words first (`manifest unknown`), as users search for them.
        let message = entry?.message.map { "\(what): \($0) (HTTP \(status)\(entry?.code.map { " \($0)" } ?? ""))" }
            ?? "\(what): HTTP \(status)\(entry?.code.map { " (\($0))" } ?? "")"
        switch status {
        case 401, 403: return SwkError(.failedPrecondition, message)
        case 404: return SwkError(.notFound, message)
        case 408, 429, 500...599: return SwkError(.unavailable, message)
        default: return SwkError(.invalidArgument, message)
        }
    }
}
