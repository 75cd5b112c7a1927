import CSwkSys
@preconcurrency import Dispatch
import Glibc
import SwkSupport

/// Wakes the manifest source when the directory changes: inotify for close_write, moved_to,
/// moved_from and delete (a file being written fires close_write only once it is closed), and
/// create (for links, which fire nothing else). Events are coalesced: the stream yields a tick,
/// the consumer rescans the whole directory.
public final class DirectoryWatcher: @unchecked Sendable {
    /// `complete` when the batch held an event that ends a change (a file closed after writing,
    /// renamed in or out, deleted): the directory can be scanned at once. A batch of creations
    /// only may be a file still being written, worth a short wait.
    public struct Tick: Sendable {
        public var complete: Bool
    }

    // @unchecked: the dispatch source is set up once in init and only cancelled afterwards.
    public let ticks: AsyncStream<Tick>
    private let source: DispatchSourceRead

    public init(directory: String) throws(SwkError) {
        let fd = swk_inotify_init1(Int32(SWK_IN_NONBLOCK | SWK_IN_CLOEXEC))
        guard fd >= 0 else { throw .errno("inotify_init1") }
        let mask = UInt32(SWK_IN_CLOSE_WRITE | SWK_IN_MOVED_TO | SWK_IN_MOVED_FROM | SWK_IN_DELETE
                          | SWK_IN_CREATE | SWK_IN_DELETE_SELF | SWK_IN_MOVE_SELF)
        guard swk_inotify_add_watch(fd, directory, mask) >= 0 else {
            let error = SwkError.errno("watch \(directory)")
            close(fd)
            throw error
        }
        let (stream, continuation) = AsyncStream<Tick>.makeStream(bufferingPolicy: .bufferingNewest(1))
        ticks = stream
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "swkube.inotify"))
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 8192)
            var complete = false
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { break }
                complete = complete || Self.endsAChange(buffer[0..<n])
            }
            continuation.yield(Tick(complete: complete))
        }
        source.setCancelHandler {
            close(fd)
            continuation.finish()
        }
        source.resume()
    }

    /// Whether a batch of `struct inotify_event` records (wd, mask, cookie, len, name[len]) holds
    /// an event other than a creation.
    static func endsAChange(_ events: ArraySlice<UInt8>) -> Bool {
        let creation = UInt32(SWK_IN_CREATE)
        var offset = events.startIndex
        while offset + 16 <= events.endIndex {
            func word(_ at: Int) -> UInt32 {
                (0..<4).reduce(UInt32(0)) { $0 | UInt32(events[offset + at + $1]) << (8 * $1) }
            }
            if word(4) & ~creation != 0 { return true }
            offset += 16 + Int(word(12))
        }
        return false
    }

    public func stop() {
        source.cancel()
    }
}
