import CSwkSys
@preconcurrency import Dispatch
import Glibc
import SwkSupport

/// Wakes the manifest source when the directory changes: inotify for close_write, moved_to,
/// moved_from and delete (a file being written fires close_write only once it is closed).
/// Events are coalesced: the stream yields a tick, the consumer rescans the whole directory.
public final class DirectoryWatcher: @unchecked Sendable {
    // @unchecked: the dispatch source is set up once in init and only cancelled afterwards.
    public let ticks: AsyncStream<Void>
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
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        ticks = stream
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "swkube.inotify"))
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 8192)
            while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
            continuation.yield()
        }
        source.setCancelHandler {
            close(fd)
            continuation.finish()
        }
        source.resume()
    }

    public func stop() {
        source.cancel()
    }
}
