import CRI
import Logging

/// The manifest feed (kubelet's file source loop): turns directory changes and a periodic resync
/// into whole `DesiredState` snapshots for the controller. Each wake scans the directory:
/// - a finished change (a file closed, renamed in or deleted) is scanned at once, so a manifest
///   renamed into place starts its pod without delay;
/// - a bare creation waits `settleDelay` first, for the writer to finish;
/// - the resync wakes it every `resyncPeriod` (kubelet's `--sync-frequency`).
/// Wakes that arrive while a scan runs fold into one more scan (only the newest is kept). Each
/// manifest error is logged once, not once per resync; the controller records them as events.
public struct ManifestFeed: Sendable {
    let source: ManifestSource
    let clock: any NodeClock
    let resyncPeriod: Int64
    let settleDelay: Int64
    let logger: Logger

    public init(source: ManifestSource, clock: any NodeClock, resyncPeriod: Int64,
                settleDelay: Int64 = 20_000_000, logger: Logger) {
        self.source = source
        self.clock = clock
        self.resyncPeriod = resyncPeriod
        self.settleDelay = settleDelay
        self.logger = logger
    }

    /// Feeds snapshots into `feed` until `changes` ends or the task is cancelled. `changes` has one
    /// element per directory change: whether the change is finished (see `DirectoryWatcher.Tick`).
    public func run(changes: AsyncStream<Bool>, into feed: AsyncStream<DesiredState>.Continuation) async {
        let (wakes, wake) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await finished in changes { wake.yield(finished) }
            }
            group.addTask {
                while !Task.isCancelled {
                    wake.yield(true)
                    try? await clock.sleep(nanoseconds: resyncPeriod)
                }
            }
            group.addTask {
                var reported: Set<String> = []
                for await now in wakes {
                    if !now { try? await clock.sleep(nanoseconds: settleDelay) }
                    reported = await scan(reported: reported, into: feed)
                }
            }
            await group.next()
            wake.finish()
            group.cancelAll()
        }
    }

    /// One scan, its news logged; returns the manifest errors now reported.
    private func scan(reported: Set<String>, into feed: AsyncStream<DesiredState>.Continuation) async -> Set<String> {
        let scan = await source.scan(now: clock.now())
        for name in scan.newlyIgnored {
            logger.info("ignoring \(source.directory)/\(name): not a manifest name (*.yaml, *.yml, *.json; no dot, swap or backup files)")
        }
        for warning in scan.warnings { logger.warning("\(warning)") }
        let texts = Set(scan.state.errors.map { "\($0.file)\($0.line > 0 ? ":\($0.line)" : ""): \($0.message)" })
        for text in texts.subtracting(reported).sorted() { logger.error("\(text)") }
        feed.yield(scan.state)
        return texts
    }
}
