import Glibc

/// Time as the controller sees it: injected so that backoff, probes and ages are tested without
/// sleeping. Times are nanoseconds since the Unix epoch (CRI's unit).
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
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public func sleep(nanoseconds: Int64) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, nanoseconds)))
    }
}

public let nanosPerSecond: Int64 = 1_000_000_000
