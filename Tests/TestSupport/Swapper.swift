import CSwkSys
import Glibc
import Synchronization
import SwkSupport

/// Swaps two paths with RENAME_EXCHANGE on its own thread until stopped.
public final class Swapper: @unchecked Sendable {
    public let a: String, b: String
    let stopped = Atomic<Bool>(false)
    private var thread = pthread_t()

    public init(_ a: String, _ b: String) throws {
        self.a = a
        self.b = b
        let me = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let s = Unmanaged<Swapper>.fromOpaque(arg!).takeRetainedValue()
            while !s.stopped.load(ordering: .relaxed) { _ = swk_rename_exchange(s.a, s.b) }
            return nil
        }, me)
        guard rc == 0 else { throw SwkError.errno("pthread_create", rc) }
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        pthread_join(thread, nil)
    }
}
