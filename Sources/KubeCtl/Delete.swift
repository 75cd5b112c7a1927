import ArgumentParser
import Glibc
import SwkSupport

/// `swkubectl delete pod NAME… [-n NS]` and `delete -f FILE|DIR|-`: removes the objects' declarations
/// from the manifest directory; the daemon then stops the pods. A file that declared only the
/// object is removed; otherwise it is rewritten without that document (the others byte for byte).
public struct Delete: Sendable {
    public enum Target: Sendable {
        case pods(names: [String], namespace: String)
        /// The objects that manifest files, directories of them, or `-` declare.
        case files([String])
    }

    public var target: Target

    public init(target: Target) {
        self.target = target
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let keys: [ObjectKey]
        switch target {
        case .pods(let names, let namespace):
            keys = names.map { ObjectKey(kind: "Pod", namespace: namespace, name: $0) }
        case .files(let inputs):
            var found: [ObjectKey] = []
            for (label, bytes) in try readManifestInputs(inputs, ctx) {
                found += try ManifestFile(path: label, text: String(decoding: bytes, as: UTF8.self)).objects.map(\.key)
            }
            keys = found
        }
        var out = Output()
        let dir = ManifestDirectory(path: paths.manifestDir)
        for key in keys {
            guard let (file, object) = try dir.declaration(of: key) else {
                out.stderr += "Error from server (NotFound): \(key.plural) \"\(key.name)\" not found\n"
                out.exitCode = 1
                continue
            }
            if file.objects.count == 1 {
                guard unlink(file.path) == 0 || errno == ENOENT else { throw .errno("remove \(file.path)") }
            } else {
                try write(file.path, file.replacing(object, with: nil))
            }
            out.stdout += "\(key.resource) \"\(key.name)\" deleted\n"
        }
        return out
    }
}

struct DeleteCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove pods (or the objects of a file) from the manifest directory.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("namespace")], help: "The namespace.") var namespace = "default"
    @Option(name: [.short, .customLong("filename")], help: "A manifest file (or directory, or -) whose objects to delete.")
    var filename: [String] = []
    @Argument(help: "pod NAME…") var words: [String] = []

    func validate() throws {
        if !filename.isEmpty {
            if !words.isEmpty { throw ValidationError("use either -f or a resource and names, not both") }
            return
        }
        guard let resource = words.first else {
            throw ValidationError("you must provide one or more resources by argument or filename")
        }
        guard ["pod", "pods", "po"].contains(resource) || resource.hasPrefix("pod/") else {
            throw ValidationError("the server doesn't have a resource type \"\(resource)\"")
        }
        if names.isEmpty { throw ValidationError("resource(s) were provided, but no name was specified") }
    }

    /// `pod a b` or `pod/a pod/b`.
    private var names: [String] {
        words.first?.hasPrefix("pod/") == true
            ? words.map { String($0.dropFirst(4)) }
            : Array(words.dropFirst())
    }

    func output(_ ctx: Context) throws(SwkError) -> Output {
        let target: Delete.Target = filename.isEmpty ? .pods(names: names, namespace: namespace) : .files(filename)
        return try Delete(target: target).run(global.paths, ctx)
    }
}
