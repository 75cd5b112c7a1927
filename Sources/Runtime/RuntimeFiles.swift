import CRI
import CSwkSys
import FoundationEssentials
import SwkSupport

/// Where the runtime keeps everything it knows. Nothing lives only in memory: a new
/// `LocalRuntime` on the same directories finds the same sandboxes and containers.
///
///     <runDir>/sandboxes/<id>/sandbox.json      SandboxRecord
///     <runDir>/sandboxes/<id>/ns/{net,ipc,uts}  pinned namespaces (bind mounts of nsfs)
///     <runDir>/sandboxes/<id>/{hostname,hosts,resolv.conf}
///     <runDir>/sandboxes/<id>/shm               the pod's /dev/shm tmpfs (not for hostIPC)
///     <runDir>/sandboxes/<id>/network.json      the CNI config and result (see SandboxNetwork)
///     <runDir>/containers/<id>/container.json   ContainerRecord
///     <runDir>/containers/<id>/config.json      the OCI bundle (rootfs/ is the overlay mount)
///     <runDir>/containers/<id>/{pids,exit,shim.log,runtime.log}   written by swkube-shim
///     <rootDir>/containers/<id>/{upper,work}    the overlay's writable layer
///     <rootDir>/pods/<pod uid>/volumes/…        pod volumes (see PodVolumes)
struct RuntimeLayout: Sendable {
    let rootDir: String
    let runDir: String

    var sandboxesDir: String { "\(runDir)/sandboxes" }
    var containersDir: String { "\(runDir)/containers" }
    func sandboxDir(_ id: String) -> String { "\(sandboxesDir)/\(id)" }
    func containerDir(_ id: String) -> String { "\(containersDir)/\(id)" }
    func layerDir(_ id: String) -> String { "\(rootDir)/containers/\(id)" }
    func podDir(_ key: String) -> String { "\(rootDir)/pods/\(key)" }
}

/// What the shim has recorded about a container's processes.
enum ContainerObservation: Equatable {
    /// No `pids` file: the shim never reported the container created.
    case notCreated
    case alive(pid: Int32)
    /// The init is gone and the shim is still draining output before writing `exit`.
    case exiting
    case exited(ExitRecord)
    /// The init and the shim are gone without an exit record (the shim was killed).
    case lost
}

struct ExitRecord: Equatable {
    var exitCode: Int32
    var finishedAt: Int64
    var oomKilled: Bool
}

enum ShimFiles {
    /// Reads the shim's `exit` and `pids` files: two small reads, no process spawned.
    static func observe(_ dir: String) -> ContainerObservation {
        if let text = try? FS.readString("\(dir)/exit") {
            var record = ExitRecord(exitCode: 255, finishedAt: 0, oomKilled: false)
            for line in text.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                switch kv[0] {
                case "exit_code": record.exitCode = Int32(kv[1]) ?? 255
                case "finished_at": record.finishedAt = Int64(kv[1]) ?? 0
                case "oom_killed": record.oomKilled = kv[1] == "1"
                default: break
                }
            }
            return .exited(record)
        }
        guard let text = try? FS.readString("\(dir)/pids") else { return .notCreated }
        let f = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard f.count >= 4, let pid = Int32(f[0]), let start = UInt64(f[1]),
              let shim = Int32(f[2]), let shimStart = UInt64(f[3]) else { return .lost }
        if Proc.isAlive(pid, startTime: start) { return .alive(pid: pid) }
        if Proc.isAlive(shim, startTime: shimStart) {
            // The shim may have written `exit` between our two reads.
            return FS.exists("\(dir)/exit") ? observe(dir) : .exiting
        }
        return FS.exists("\(dir)/exit") ? observe(dir) : .lost
    }
}

enum JSONFile {
    static func write<T: Encodable>(_ value: T, to path: String) throws(SwkError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(value) } catch { throw SwkError(.internal, "encode \(path)", cause: error) }
        // 0600: records and bundles carry env values from Secrets.
        try FS.writeAtomic(path, [UInt8](data), mode: 0o600)
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String) throws(SwkError) -> T {
        let bytes = try FS.readBytes(path)
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw SwkError(.internal, "decode \(path): \(describe(error))")
        }
    }

    /// A decoding error in one line: what is wrong, at which field.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func at(_ c: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let path = (c.codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }
            return path.isEmpty ? "" : "field \(path.joined(separator: ".")): "
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(at(c, key))missing"
        case .typeMismatch(let type, let c): return "\(at(c))expected \(type)"
        case .valueNotFound(let type, let c): return "\(at(c))expected \(type), found null"
        case .dataCorrupted(let c): return "\(at(c))\(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

enum RuntimeIDs {
    /// 64 hex digits from getrandom, like containerd's ids.
    static func make() throws(SwkError) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        guard bytes.withUnsafeMutableBytes({ swk_random_bytes($0.baseAddress, 32) }) == 0 else {
            throw .errno("getrandom")
        }
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Dictionary where Key == String, Value == String {
    /// CRI label selectors: every pair of the selector is present with the same value.
    func matches(_ selector: [String: String]) -> Bool {
        selector.allSatisfy { self[$0.key] == $0.value }
    }
}
