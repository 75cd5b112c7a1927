import Controller
import CRI
import Logging
import SwkSupport
import Testing
import TestSupport

/// The manifest feed loop with the test clock and directory changes told by hand: when a scan
/// runs (at once, after the settle delay, at each resync) and that it ends with its changes.
struct ManifestFeedTests {
    let dir: String
    let clock = TestClock()
    let changes: AsyncStream<Bool>
    let change: AsyncStream<Bool>.Continuation
    let snapshots: AsyncStream<DesiredState>
    let feed: AsyncStream<DesiredState>.Continuation

    init() throws {
        dir = try makeTempDir("feed")
        (changes, change) = AsyncStream<Bool>.makeStream()
        (snapshots, feed) = AsyncStream<DesiredState>.makeStream()
    }

    func start(settleDelay: Int64 = nanosPerSecond) -> Task<Void, Never> {
        let loop = ManifestFeed(source: ManifestSource(directory: dir), clock: clock, resyncPeriod: 60 * nanosPerSecond,
                                settleDelay: settleDelay, logger: Logger(label: "test"))
        let (changes, feed) = (self.changes, self.feed)
        return Task { await loop.run(changes: changes, into: feed) }
    }

    func names(_ state: DesiredState?) -> [String] {
        state?.pods.values.map(\.pod.metadata.name).sorted() ?? ["(feed ended)"]
    }

    @Test func aFinishedChangeIsScannedAtOnceAndTheResyncFindsWhatTheWatcherMissed() async throws {
        let task = start()
        var next = snapshots.makeAsyncIterator()
        #expect(names(await next.next()) == [], "the resync scans at start")

        try FS.writeAtomic("\(dir)/a.yaml", ManifestSourceTests.pod("alpha"))
        change.yield(true)
        #expect(names(await next.next()) == ["alpha"], "a finished change is scanned without waiting")

        try FS.writeAtomic("\(dir)/b.yaml", ManifestSourceTests.pod("beta"))
        #expect(await eventually { clock.sleepers == 1 }, "only the resync waits")
        clock.advance(seconds: 60)
        #expect(names(await next.next()) == ["alpha", "beta"], "the next resync scans again")

        change.finish()
        await task.value
    }

    @Test func aBareCreationIsScannedOnlyAfterTheSettleDelay() async throws {
        let task = start()
        var next = snapshots.makeAsyncIterator()
        #expect(names(await next.next()) == [])

        try FS.writeAtomic("\(dir)/a.yaml", ManifestSourceTests.pod("alpha"))
        change.yield(false)
        #expect(await eventually { clock.sleepers == 2 }, "the scan waits on the clock beside the resync")
        // Written during the delay: a scan made before the delay would not see it.
        try FS.writeAtomic("\(dir)/b.yaml", ManifestSourceTests.pod("beta"))
        clock.advance(seconds: 1)
        #expect(names(await next.next()) == ["alpha", "beta"])

        change.finish()
        await task.value
    }
}
