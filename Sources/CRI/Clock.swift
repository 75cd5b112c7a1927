import Glibc

/// Time as the node sees it, one protocol for the controller (backoff, probes, ages) and the
/// runtime (the createdAt/startedAt it reports): injected so that tests neither sleep nor depend
/// on the wall clock. Times are nanoseconds since the Unix epoch (CRI's unit). It lives here, not
/// in SwkSupport, because `sleep` needs Swift concurrency, which the static executor
/// (swkube-runc, linked with SwkSupport) must not pull in.
public protocol NodeClock: Sendable {
    func now() -> Int64
    /// Suspends the caller for `nanoseconds` (a test clock may return at once).
    func sleep(nanoseconds: Int64) async throws
}

public struct SystemClock: NodeClock {
    public init() {}

    public func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * nanosPerSecond + Int64(ts.tv_nsec)
    }

    public func sleep(nanoseconds: Int64) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, nanoseconds)))
    }
}

public let nanosPerSecond: Int64 = 1_000_000_000
