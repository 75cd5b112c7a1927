import Glibc

/// Owns the C memory handed to the clone child: strings, NULL-terminated string arrays and typed
/// arrays, all freed together when the launch is over. The child gets a copy of the address space
/// at clone(), so the arena only has to outlive the clone call.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { free(block) }
    }

    func string(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!  // strdup returns NULL only when out of memory; nothing sensible remains then
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func optionalString(_ s: String?) -> UnsafePointer<CChar>? {
        s.map { string($0) }
    }

    /// A NULL-terminated `char *const *` array.
    func strings(_ list: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        let out = array(of: UnsafePointer<CChar>?.self, count: list.count + 1)
        for (i, s) in list.enumerated() { out[i] = string(s) }
        out[list.count] = nil
        return UnsafePointer(out)
    }

    func array<T>(_ values: [T]) -> UnsafePointer<T>? {
        if values.isEmpty { return nil }
        let out = array(of: T.self, count: values.count)
        for (i, v) in values.enumerated() { (out + i).initialize(to: v) }
        return UnsafePointer(out)
    }

    func bytes(_ values: [UInt8]) -> UnsafeRawPointer? {
        if values.isEmpty { return nil }
        let out = array(of: UInt8.self, count: values.count)
        for (i, v) in values.enumerated() { out[i] = v }
        return UnsafeRawPointer(out)
    }

    private func array<T>(of: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let size = max(1, MemoryLayout<T>.stride * count)
        let raw = calloc(1, size)!  // calloc returns NULL only when out of memory
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
