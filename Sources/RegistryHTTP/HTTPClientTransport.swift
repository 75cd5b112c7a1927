import AsyncHTTPClient
import ImageStore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwkSupport

/// `RegistryTransport` over AsyncHTTPClient (SwiftNIO, BoringSSL).
///
/// One transport = one `HTTPClient` = one pull: make it, pull, `shutdown()` (the client must be
/// shut down before it is released). The response body is handed to `chunk` buffer by buffer as
/// NIO reads it; the next read waits until `chunk` returns (AsyncHTTPClient's body sequence has
/// backpressure), so a blob streams to disk and is never held in memory. HTTP/1.1 only: the
/// client's parallel layer downloads then get a connection (and TCP window) each rather than
/// sharing one HTTP/2 connection's flow-control window. Redirects are followed (blobs often live
/// on storage URLs; AsyncHTTPClient drops `Authorization` when the origin changes). A connection
/// that cannot be made, is reset, closed mid-body or silent for `idleTimeout` is `.unavailable`,
/// which the client retries; a TLS verification failure is `.failedPrecondition`, as retrying
/// cannot help.
public final class HTTPClientTransport: RegistryTransport {
    private let client: HTTPClient
    /// TLS per registry host (`host:port`) from the registries file; other https hosts get
    /// the system roots.
    private let tlsByHost: [String: TLSConfiguration]
    private let idleTimeout: TimeAmount

    /// Reads the TLS files of `config` now; errors name `configFile` and the field.
    public init(config: RegistryConfig = .init(), configFile: String = RegistryConfig.defaultPath,
                idleTimeout: TimeAmount = .seconds(60)) throws(SwkError) {
        tlsByHost = try RegistryTLS.configurations(config, file: configFile)
        self.idleTimeout = idleTimeout
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 10, allowCycles: false),
            timeout: .init(connect: .seconds(30), read: idleTimeout))
        configuration.httpVersion = .http1Only
        // Our client retries with its own backoff and message; the pool's silent retries would
        // hide a refused connection until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    public func shutdown() async {
        // Fails only when already shut down, which is what was asked.
        try? await client.shutdown()
    }

    public func send(_ request: RegistryRequest,
                     head: (RegistryResponse) throws(SwkError) -> Void,
                     chunk: (UnsafeRawBufferPointer) throws(SwkError) -> Void) async throws(SwkError) {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        let host = RegistryConfig.host(of: request.url)
        outgoing.tlsConfiguration = tlsByHost[host]
        do {
            let response = try await client.execute(outgoing, deadline: .distantFuture)
            var headers: [String: String] = [:]
            for (name, value) in response.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
            try head(RegistryResponse(status: Int(response.status.code), headers: headers))
            for try await buffer in response.body {
                // Not `try buffer.withUnsafeReadableBytes { … throws(SwkError) … }`: Swift 6.3.1
                // crashes emitting that thunk; the error is carried out by hand instead.
                var failure: SwkError?
                buffer.withUnsafeReadableBytes { bytes in
                    do throws(SwkError) { try chunk(bytes) } catch { failure = error }
                }
                if let failure { throw failure }
            }
        } catch let error as SwkError {
            throw error
        } catch {
            throw Self.classify(error, request, host: host, idleTimeout: idleTimeout)
        }
    }

    /// A transport failure as a one-line reason that names the request, with the error class
    /// that tells the client whether to retry.
    static func classify(_ error: any Error, _ request: RegistryRequest, host: String, idleTimeout: TimeAmount) -> SwkError {
        let what = "\(request.method) \(request.url)"
        if let tls = tlsFailure(error, host: host) { return SwkError(.failedPrecondition, "\(what): \(tls)", cause: error) }
        let reason: String
        switch error {
        case let connect as NIOConnectionError:
            let first = connect.connectionErrors.first.map { "\($0.error)" } ?? connect.dnsAError.map { "\($0)" } ?? "\(connect)"
            reason = "cannot connect to \(connect.host):\(connect.port): \(first)"
        case let http as HTTPClientError where http == .readTimeout:
            reason = "no data from \(host) for \(idleTimeout.nanoseconds / 1_000_000_000) s"
        case let http as HTTPClientError where http == .remoteConnectionClosed:
            reason = "connection closed by \(host)"
        case let http as HTTPClientError where http == .connectTimeout:
            reason = "connecting to \(host) timed out"
        case let io as IOError:
            reason = errnoText(io.errnoCode).lowercased()
        case let ssl as NIOSSLError where ssl == .uncleanShutdown:
            reason = "tls connection to \(host) cut short"
        default:
            reason = "\(error)"
        }
        return SwkError(.unavailable, "\(what): \(reason)", cause: error)
    }

    /// A certificate the client does not trust, or one the registry refused, explained with the
    /// setting that fixes it; nil for other failures.
    private static func tlsFailure(_ error: any Error, host: String) -> String? {
        let text: String
        switch error {
        case let ssl as NIOSSLError: text = "\(ssl)"
        case let ssl as BoringSSLError: text = "\(ssl)"
        case let ssl as NIOSSLExtraError: text = "\(ssl)"
        default: return nil
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "tls: the certificate of \(host) is not signed by a trusted CA"
                + " (set configs[\(host)].tls.ca_file in the registries file)"
        }
        if text.contains("failedToValidateHostname") {
            return "tls: the certificate of \(host) is not valid for that name"
        }
        if let alert = alert(in: text), ["certificate required", "bad certificate", "handshake failure"].contains(alert) {
            return "tls: \(host) refused the connection (alert \(alert)): it wants a client certificate it trusts"
                + " (configs[\(host)].tls.cert_file and key_file)"
        }
        return nil
    }

    /// `bad certificate` from BoringSSL's `…:SSLV3_ALERT_BAD_CERTIFICATE at <source file>`.
    private static func alert(in text: String) -> String? {
        guard let range = text.firstRange(of: "ALERT_") else { return nil }
        let name = text[range.upperBound...].prefix { $0 == "_" || ("A"..."Z").contains($0) }
        return name.lowercased().split(separator: "_").joined(separator: " ")
    }
}
