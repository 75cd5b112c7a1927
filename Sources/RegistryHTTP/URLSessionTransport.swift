import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ImageStore
import SwkSupport
import Synchronization

/// `RegistryTransport` over URLSession (FoundationNetworking, libcurl underneath on Linux).
///
/// Each request gets its own ephemeral session whose delegate forwards the response head and
/// body chunks into an async stream; `send` drains it on the caller's task, so the non-Sendable
/// `head`/`chunk` closures run there and a blob streams to disk without being held in memory.
/// A pull makes a handful of requests, so a session per request costs little and keeps no state.
/// `http://` endpoints are plain HTTP. Missing (tracked in the report): a custom CA per registry
/// (`tls.ca_file`) and client certificates, which URLSession on Linux does not expose.
public struct URLSessionTransport: RegistryTransport {
    /// Seconds without progress before a request fails (and is retried by the client).
    public var idleTimeout: TimeInterval

    public init(idleTimeout: TimeInterval = 60) {
        self.idleTimeout = idleTimeout
    }

    public func send(_ request: RegistryRequest,
                     head: (RegistryResponse) throws(SwkError) -> Void,
                     chunk: (UnsafeRawBufferPointer) throws(SwkError) -> Void) async throws(SwkError) {
        guard let url = URL(string: request.url) else { throw SwkError(.invalidArgument, "invalid registry url \(request.url)") }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = idleTimeout
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }

        let (stream, continuation) = AsyncThrowingStream<Event, any Error>.makeStream()
        let delegate = StreamingDelegate(continuation)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: urlRequest).resume()
        do {
            for try await event in stream {
                switch event {
                case .head(let response):
                    try head(response)
                case .data(let data):
                    // Not `try data.withUnsafeBytes { … throws(SwkError) … }`: Swift 6.3.1 crashes
                    // emitting that thunk; the error is carried out by hand instead.
                    var failure: SwkError?
                    data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
                        do throws(SwkError) { try chunk(b) } catch { failure = error }
                    }
                    if let failure { throw failure }
                }
            }
        } catch let error as SwkError {
            throw error
        } catch {
            throw SwkError(.unavailable, "\(request.method) \(request.url): \(error.localizedDescription)")
        }
    }

    enum Event: Sendable {
        case head(RegistryResponse)
        case data(Data)
    }
}

/// Forwards URLSession callbacks (on the session's queue) into the stream `send` drains.
private final class StreamingDelegate: NSObject, URLSessionDataDelegate, Sendable {
    let continuation: AsyncThrowingStream<URLSessionTransport.Event, any Error>.Continuation
    /// Set once a response head went out; a 401 answered through the challenge path ends with a
    /// cancellation that is then not an error.
    private let answeredChallenge = Mutex(false)

    init(_ continuation: AsyncThrowingStream<URLSessionTransport.Event, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            continuation.finish(throwing: SwkError(.unavailable, "not an http response from \(response.url?.absoluteString ?? "?")"))
            completionHandler(.cancel)
            return
        }
        continuation.yield(.head(Self.head(http)))
        completionHandler(.allow)
    }

    /// Registry auth belongs to `RegistryClient`. FoundationNetworking turns a 401 with a Basic or
    /// Digest challenge into this callback and, without a credential, never delivers the response
    /// (the request hangs); so the 401 goes out from here and the task is cancelled.
    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        guard let failure = challenge.failureResponse as? HTTPURLResponse else {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        answeredChallenge.withLock { $0 = true }
        continuation.yield(.head(Self.head(failure)))
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(.data(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error, !answeredChallenge.withLock({ $0 }) {
            continuation.finish(throwing: error)
        } else {
            continuation.finish()
        }
    }

    private static func head(_ http: HTTPURLResponse) -> RegistryResponse {
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let k = key as? String, let v = value as? String { headers[k] = v }
        }
        return RegistryResponse(status: http.statusCode, headers: headers)
    }
}
