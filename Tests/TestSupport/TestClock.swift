import CRI
import Synchronization

/// A clock the test moves by hand: `sleep` returns once `advance` has moved time past its end
/// (or the sleeping task is cancelled).
public final class TestClock: NodeClock {
    private struct State {
        var now: Int64
        var sleepers: [(id: Int, wake: Int64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(start: Int64 = 1_700_000_000 * nanosPerSecond) {
        state = Mutex(State(now: start))
    }

    public func now() -> Int64 { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    public func advance(seconds: Int64) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now += seconds * nanosPerSecond
            let now = s.now
            let due = s.sleepers.filter { $0.wake <= now }.map(\.continuation)
            s.sleepers.removeAll { $0.wake <= now }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    public func sleep(nanoseconds: Int64) async throws {
        guard nanoseconds > 0 else { return await Task.yield() }
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    s.sleepers.append((id, s.now + nanoseconds, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i).continuation
            }
            sleeper?.resume()
        }
    }
}
