import Glibc
import OCI
import SwkSupport

/// Reading config.json (and `--process`/`--resources` files) with errors that name the field:
/// `config.json: process.args: expected an array, found a string`.
enum Config {
    /// The bundle's config, checked, with its bytes (kept verbatim in state.json).
    static func load(bundle: String) throws(SwkError) -> (spec: Spec, raw: [UInt8]) {
        let path = bundle == "/" ? "/config.json" : "\(bundle)/config.json"
        let raw = try readFile(path)
        let spec = try decode(Spec.self, bytes: raw, name: "config.json")
        try validate(spec)
        return (spec, raw)
    }

    static func decode<T: Decodable>(_ type: T.Type, path: String) throws(SwkError) -> T {
        try decode(type, bytes: try readFile(path), name: FS.basename(of: path))
    }

    private static func readFile(_ path: String) throws(SwkError) -> [UInt8] {
        do {
            return try path == "-" ? readStdin() : FS.readBytes(path)
        } catch {
            throw error.context("read \(path)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, bytes: [UInt8], name: String) throws(SwkError) -> T {
        do {
            return try JSONValueDecoder.decode(type, from: bytes)
        } catch let error as JSONSyntaxError {
            throw SwkError(.invalidArgument, "\(name): \(error)")
        } catch let error as DecodingError {
            throw SwkError(.invalidArgument, "\(name): \(describe(error))")
        } catch {
            throw SwkError(.invalidArgument, "\(name): \(error)")
        }
    }

    private static func readStdin() throws(SwkError) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .errno("read stdin")
            }
            if n == 0 { return out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    /// `process.args[0]`, `linux.namespaces[2].type`: the coding path as a reader writes it.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out.isEmpty ? "(top level)" : out
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let ctx):
            return "\(fieldPath(ctx.codingPath)): expected \(typeName(type)), \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx):
            return "\(fieldPath(ctx.codingPath)): expected \(typeName(type)), found null"
        case .keyNotFound(let key, let ctx):
            return "\(fieldPath(ctx.codingPath + [key])): required field missing"
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "invalid JSON: \(ctx.debugDescription)" }
            return "\(fieldPath(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        let name = "\(type)"
        if name.hasPrefix("Array") || name.hasPrefix("[") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        switch name {
        case "String": return "a string"
        case "Bool": return "a boolean"
        case "Int", "Int64", "UInt64", "UInt32", "UInt", "UInt16", "Int32": return "a number"
        default: return "an object"
        }
    }

    /// Checks the semantic rules decoding cannot, before anything is created on the host.
    static func validate(_ spec: Spec) throws(SwkError) {
        guard let process = spec.process else {
            throw SwkError(.invalidArgument, "config.json: process: required to create a container")
        }
        guard let args = process.args, let first = args.first, !first.isEmpty else {
            throw SwkError(.invalidArgument, "config.json: process.args: must name a program")
        }
        guard process.cwd.hasPrefix("/") else {
            throw SwkError(.invalidArgument, "config.json: process.cwd: \(process.cwd) is not an absolute path")
        }
        guard let root = spec.root, !root.path.isEmpty else {
            throw SwkError(.invalidArgument, "config.json: root.path: required")
        }
        for (i, mount) in (spec.mounts ?? []).enumerated() where !mount.destination.hasPrefix("/") {
            throw SwkError(.invalidArgument, "config.json: mounts[\(i)].destination: \(mount.destination) is not an absolute path")
        }
    }
}
