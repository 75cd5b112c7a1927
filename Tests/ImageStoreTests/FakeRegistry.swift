import FoundationEssentials
@testable import ImageStore
import OCI
import SwkSupport
import Synchronization

/// An in-memory distribution registry behind `RegistryTransport`, with knobs for the failures a
/// pull must survive or report. Requests are logged for assertions.
final class FakeRegistry: RegistryTransport {
    struct State {
        var blobs: [String: [UInt8]] = [:]
        /// "repo/reference" → (body, media type); references are tags and digests.
        var manifests: [String: ([UInt8], String)] = [:]
        var basic: (user: String, password: String)?
        var bearer = false
        /// Credentials the token endpoint demands (nil: anonymous tokens).
        var tokenBasic: (user: String, password: String)?
        /// 503 for this many requests (any path).
        var unavailableBursts = 0
        /// Hosts that refuse connections.
        var downHosts: Set<String> = []
        /// Cut the first body of these blobs in half and reset the connection.
        var truncateOnce: Set<String> = []
        var corrupt: Set<String> = []
        var ignoreRange = false
        var log: [RegistryRequest] = []
    }

    let state = Mutex(State())
    static let token = "t0k3n"

    func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
    }

    var log: [RegistryRequest] { state.withLock { $0.log } }

    /// Serves the single image of an OCI layout directory as `repo:tag` (and by digest).
    func serve(layout: String, repository: String, tag: String) throws {
        let index = try decode(ImageSpec.Index.self, try FS.readBytes("\(layout)/index.json"), "index")
        var blobs: [String: [UInt8]] = [:]
        for name in try FS.list("\(layout)/blobs/sha256") {
            blobs["sha256:\(name)"] = try FS.readBytes("\(layout)/blobs/sha256/\(name)")
        }
        let top = index.manifests[0]
        guard let body = blobs[top.digest] else { throw SwkError(.notFound, "layout lacks \(top.digest)") }
        let manifestTypes = Set([top.digest]).union(
            (try? decode(ImageSpec.Index.self, body, "inner"))?.manifests.map(\.digest) ?? [])
        update { s in
            s.blobs.merge(blobs) { a, _ in a }
            for d in manifestTypes {
                guard let b = blobs[d] else { continue }
                let type = d == top.digest ? top.mediaType : ImageSpec.MediaType.ociManifest
                s.manifests["\(repository)/\(d)"] = (b, type)
            }
            s.manifests["\(repository)/\(tag)"] = (body, top.mediaType)
        }
    }

    func send(_ request: RegistryRequest, head: (RegistryResponse) throws(SwkError) -> Void,
              chunk: (UnsafeRawBufferPointer) throws(SwkError) -> Void) async throws(SwkError) {
        let (response, body, reset) = state.withLock { s in answer(request, &s) }
        guard let response else { throw SwkError(.unavailable, "connect \(request.url): connection refused") }
        try head(response)
        var failure: SwkError?
        body.withUnsafeBytes { b in
            do throws(SwkError) { if !b.isEmpty { try chunk(b) } } catch { failure = error }
        }
        if let failure { throw failure }
        if reset { throw SwkError(.unavailable, "read \(request.url): connection reset by peer") }
    }

    private func answer(_ r: RegistryRequest, _ s: inout State) -> (RegistryResponse?, [UInt8], Bool) {
        s.log.append(r)
        let host = RegistryConfig.host(of: r.url)
        if s.downHosts.contains(host) { return (nil, [], false) }
        if s.unavailableBursts > 0 {
            s.unavailableBursts -= 1
            return (.init(status: 503), Array(#"{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}"#.utf8), false)
        }
        let afterScheme = r.url.split(separator: "://", maxSplits: 1).last ?? ""
        let path = String(afterScheme.drop { $0 != "/" })
        if path.hasPrefix("/token") {
            if let t = s.tokenBasic, r.headers["Authorization"] != basicHeader(t) { return (.init(status: 401), [], false) }
            return (.init(status: 200), Array(#"{"token":"\#(Self.token)"}"#.utf8), false)
        }
        if s.bearer && r.headers["Authorization"] != "Bearer \(Self.token)" {
            return (.init(status: 401, headers: ["WWW-Authenticate":
                #"Bearer realm="https://\#(host)/token",service="fake",scope="repository:team/app:pull""#]), [], false)
        }
        if let b = s.basic, r.headers["Authorization"] != basicHeader(b) {
            return (.init(status: 401, headers: ["WWW-Authenticate": #"Basic realm="fake""#]),
                    Array(#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.utf8), false)
        }
        guard path.hasPrefix("/v2/") else { return (.init(status: 404), [], false) }
        let rest = path.dropFirst(4)
        if let (repo, reference) = cut(rest, "/manifests/") {
            let key = "\(repo)/\(reference)"
            guard let (body, type) = s.manifests[key], r.headers["Accept"]?.contains(type) ?? false else {
                return (.init(status: 404), Array(#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#.utf8), false)
            }
            return (.init(status: 200, headers: ["Content-Type": type]), body, false)
        }
        if let (_, blob) = cut(rest, "/blobs/") {
            let digest = String(blob)
            guard var body = s.blobs[digest] else { return (.init(status: 404), [], false) }
            if s.corrupt.contains(digest) { body[body.count / 2] ^= 0xff }
            var status = 200
            if let range = r.headers["Range"], !s.ignoreRange, let from = Int(range.dropFirst(6).dropLast()) {
                body = Array(body[from...])
                status = 206
            }
            if s.truncateOnce.remove(digest) != nil {
                return (.init(status: status), Array(body[..<(body.count / 2)]), true)
            }
            return (.init(status: status), body, false)
        }
        return (.init(status: 404), [], false)
    }

    private func cut(_ s: Substring, _ separator: String) -> (Substring, Substring)? {
        let parts = s.split(separator: separator, maxSplits: 1)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    private func basicHeader(_ c: (user: String, password: String)) -> String {
        "Basic " + Data("\(c.user):\(c.password)".utf8).base64EncodedString()
    }
}
