import CRI

/// CrashLoopBackOff, as kubelet does it: the first restart is immediate, then the delay starts at
/// `initial` and doubles up to `cap`; a container that ran for `resetAfter` without exiting starts
/// over. Entries are keyed by pod uid + container name + spec hash, so an edit resets the backoff.
public struct BackoffPolicy: Sendable, Equatable {
    public var initial: Int64 = 10 * nanosPerSecond
    public var cap: Int64 = 300 * nanosPerSecond
    public var resetAfter: Int64 = 600 * nanosPerSecond

    public init(initial: Int64 = 10 * nanosPerSecond, cap: Int64 = 300 * nanosPerSecond) {
        self.initial = initial
        self.cap = cap
    }
}

public struct BackoffKey: Hashable, Sendable {
    public var podUID: String
    public var container: String
    public var specHash: String

    public init(podUID: String, container: String, specHash: String) {
        self.podUID = podUID
        self.container = container
        self.specHash = specHash
    }
}

/// The backoff table: a value, owned by the controller actor.
public struct Backoff: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var delay: Int64
        var lastRestart: Int64
    }

    public var policy: BackoffPolicy
    var entries: [BackoffKey: Entry] = [:]

    public init(policy: BackoffPolicy = .init()) {
        self.policy = policy
    }

    /// When the container that finished at `finishedAt` may be restarted; nil means now.
    /// A container that ran at least `resetAfter` (or was never restarted) restarts at once.
    public func restartNotBefore(_ key: BackoffKey, finishedAt: Int64, startedAt: Int64) -> Int64? {
        guard let entry = entries[key] else { return nil }
        if startedAt > 0 && finishedAt - startedAt >= policy.resetAfter { return nil }
        return finishedAt + entry.delay
    }

    /// Records a restart at `now` and grows the next delay: immediate, initial, 2×, … up to cap.
    public mutating func recordRestart(_ key: BackoffKey, now: Int64, ranFor: Int64) {
        if let entry = entries[key], ranFor < policy.resetAfter {
            entries[key] = Entry(delay: min(entry.delay * 2, policy.cap), lastRestart: now)
        } else {
            entries[key] = Entry(delay: policy.initial, lastRestart: now)
        }
    }

    /// Forgets every entry of a pod (deleted) or of superseded spec hashes.
    public mutating func forget(podUID: String, keeping hashes: Set<String> = []) {
        entries = entries.filter { $0.key.podUID != podUID || hashes.contains($0.key.specHash) }
    }

    /// When the next attempt for `key` is due: its last recorded attempt plus the delay. Used for
    /// image pulls (ImagePullBackOff), whose failed attempts are recorded with `recordRestart`.
    public func retryAt(_ key: BackoffKey) -> Int64? {
        entries[key].map { $0.lastRestart + $0.delay }
    }

    /// Forgets one entry (an image pull that succeeded).
    public mutating func reset(_ key: BackoffKey) {
        entries[key] = nil
    }

    /// The delay the next restart of `key` would wait (for messages).
    public func currentDelay(_ key: BackoffKey) -> Int64? {
        entries[key]?.delay
    }
}
