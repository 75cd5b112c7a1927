import ArgumentParser
import Glibc
import KubeAPI
import SwkSupport

/// `swkubectl apply -f FILE|DIR|-`: validates with the daemon's own decoder, then declares each
/// object in the manifest directory, as kubectl declares it to the API server.
///
/// The rule for where an object goes: an object (Pod, ConfigMap or Secret; a `kind: List` counts
/// per item) that some manifest file already declares is replaced *in that file* (the operator's
/// file names and the other documents stay as they are; no object is ever declared twice); a new
/// object gets its own file, `<namespace>_<name>.yaml` (`<namespace>_<name>.<kind>.yaml` for a
/// ConfigMap or Secret). Every file is written whole to a temp file in the same directory and
/// renamed, so the daemon never reads half of it. An object whose decoded form equals the declared
/// one is `unchanged` and not written. Nothing is written when any input has an error.
public struct Apply: Sendable {
    public var inputs: [String]

    public init(inputs: [String]) {
        self.inputs = inputs
    }

    /// An object to declare: where it came from and its text.
    struct Item {
        var key: ObjectKey
        var text: String
        var source: String
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        var out = Output()
        var items: [Item] = []
        var failed = false
        let podSecurity = enforcedPodSecurity(paths)
        for (label, bytes) in try readManifestInputs(inputs, ctx) {
            let parsed = ManifestParser.parse(bytes, file: label, podSecurity: podSecurity)
            for d in parsed.diagnostics {
                out.stderr += "\(d.severity == .error ? "error" : "warning"): \(d)\n"
            }
            guard parsed.errors.isEmpty else {
                failed = true
                continue
            }
            let file = try ManifestFile(path: label, text: String(decoding: bytes, as: UTF8.self))
            for object in file.objects {
                if let other = items.first(where: { $0.key == object.key }) {
                    out.stderr += "error: \(label): \(object.key) (namespace \(object.key.namespace)) is also declared in \(other.source)\n"
                    failed = true
                }
                items.append(Item(key: object.key, text: file.text(of: object), source: label))
            }
        }
        if failed {
            out.exitCode = 1
            return out
        }
        if items.isEmpty {
            out.stderr += "error: no objects passed to apply\n"
            out.exitCode = 1
            return out
        }
        let dir = ManifestDirectory(path: paths.manifestDir)
        for item in items {
            out.stdout += "\(item.key) \(try declare(item, in: dir))\n"
        }
        return out
    }

    /// The level the daemon recorded, so apply refuses what the daemon would not start; with no
    /// state yet, none.
    private func enforcedPodSecurity(_ paths: Paths) -> PodSecurityLevel {
        guard FS.exists(paths.statePath), let store = try? paths.openState(),
              let recorded = try? store.daemonSettings()?.podSecurity else { return .privileged }
        return PodSecurityLevel(rawValue: recorded) ?? .privileged
    }

    /// Writes one object; returns `created`, `configured` or `unchanged`.
    private func declare(_ item: Item, in dir: ManifestDirectory) throws(SwkError) -> String {
        if let (file, existing) = try dir.declaration(of: item.key) {
            if sameObjects(file.text(of: existing), item.text) { return "unchanged" }
            let whole = file.objects.count == 1 && existing.listItem == nil
            try write(file.path, whole ? item.text : file.replacing(existing, with: item.text))
            return "configured"
        }
        let suffix = item.key.kind == "Pod" ? "" : ".\(item.key.resource)"
        let target = "\(dir.path)/\(item.key.namespace)_\(item.key.name)\(suffix).yaml"
        if FS.exists(target) {
            throw SwkError(.alreadyExists, "\(target) exists and does not declare \(item.key) in namespace \(item.key.namespace): rename it or apply into it")
        }
        guard FS.isDirectory(dir.path) else {
            throw SwkError(.notFound, "manifest directory \(dir.path) does not exist")
        }
        try write(target, item.text)
        return "created"
    }

    /// Equal after decoding and defaulting: reformatting a manifest does not make it `configured`.
    private func sameObjects(_ a: String, _ b: String) -> Bool {
        let x = ManifestParser.parse(Array(a.utf8), file: "a"), y = ManifestParser.parse(Array(b.utf8), file: "b")
        return x.errors.isEmpty && x.pods == y.pods && x.configMaps == y.configMaps && x.secrets == y.secrets
    }
}

/// The inputs of `-f`: `-` is standard input; a directory contributes its manifest files (the
/// daemon's name rule), sorted; anything else is one file. Returns (label, bytes) pairs.
func readManifestInputs(_ inputs: [String], _ ctx: Context) throws(SwkError) -> [(String, [UInt8])] {
    var sources: [(String, [UInt8])] = []
    for input in inputs {
        if input == "-" {
            sources.append(("stdin", try readAll(ctx.stdinFD)))
        } else if FS.isDirectory(input) {
            let names = try FS.list(input).filter(ManifestDirectory.isManifest).sorted()
            for name in names {
                let path = input.hasSuffix("/") ? "\(input)\(name)" : "\(input)/\(name)"
                sources.append((path, try FS.readBytes(path)))
            }
        } else {
            do {
                sources.append((input, try FS.readBytes(input)))
            } catch {
                throw error.code == .notFound ? SwkError(.notFound, "the path \"\(input)\" does not exist") : error
            }
        }
    }
    return sources
}

/// Replaces a manifest atomically (temp file in the same directory, ignored by the daemon's
/// name rule, then rename).
func write(_ path: String, _ text: String) throws(SwkError) {
    try FS.writeAtomic(path, text.isEmpty || text.hasSuffix("\n") ? text : text + "\n")
}

func readAll(_ fd: Int32) throws(SwkError) -> [UInt8] {
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw .errno("read standard input") }
        if n == 0 { return bytes }
        bytes.append(contentsOf: buf[0..<n])
    }
}

struct ApplyCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Declare pods from manifest files (validated first) in the manifest directory.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("filename")], help: "A manifest file, a directory of them, or - for standard input.")
    var filename: [String] = []

    func validate() throws {
        if filename.isEmpty { throw ValidationError("must specify -f (a file, a directory or -)") }
    }

    func output(_ ctx: Context) throws(SwkError) -> Output {
        try Apply(inputs: filename).run(global.paths, ctx)
    }
}
