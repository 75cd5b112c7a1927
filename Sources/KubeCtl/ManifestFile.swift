import SwkSupport
import SwkYAML

/// Which object a manifest declares: kind and namespace/name, as kubectl names it (`pod/web`).
struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    var kind: String
    var namespace: String
    var name: String

    /// `pod`, `configmap`, `secret`: the resource word of kubectl's messages.
    var resource: String { kind.lowercased() }
    /// `pods`, as in `pods "web" not found`.
    var plural: String { resource + "s" }
    var description: String { "\(resource)/\(name)" }
}

/// A manifest file split into its YAML documents as byte ranges of the original text, so an
/// edit can replace or drop one document and leave every other byte (comments included) as it
/// was. Each object (a document, or an item of a `kind: List`) is found by its key.
struct ManifestFile {
    /// One object of the file.
    struct Object {
        var key: ObjectKey
        /// The document that holds it (an index into `chunks`).
        var chunk: Int
        /// Its position in the document's `items` when the document is a `kind: List`.
        var listItem: Int?
        /// Its YAML node (for List items, which are re-emitted on their own).
        var node: YAMLNode
    }

    var path: String
    /// The file's text in document-sized pieces: each chunk starts at a `---` line (except the
    /// first), so joining them gives the file back byte for byte.
    var chunks: [String]
    var objects: [Object]
    /// The root node of each chunk that holds a document.
    var documents: [Int: YAMLNode]

    /// Splits `text`; throws when it is not YAML (the caller decides whether that matters).
    init(path: String, text: String) throws(SwkError) {
        self.path = path
        chunks = Self.split(text)
        let nodes: [YAMLNode]
        do {
            nodes = try YAMLParser().parse(Array(text.utf8))
        } catch {
            throw SwkError(.invalidArgument, "\(path):\(error.mark.line):\(error.mark.column): invalid yaml: \(error.message)")
        }
        // Chunk i covers lines starts[i] ..< starts[i+1] (1-based).
        var starts: [Int] = []
        var line = 1
        for chunk in chunks {
            starts.append(line)
            line += chunk.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
        objects = []
        documents = [:]
        for node in nodes where !node.isNull {
            let chunk = (starts.lastIndex { $0 <= node.mark.line }) ?? 0
            documents[chunk] = node
            if node["kind"]?.scalarText == "List", let items = node["items"]?.sequence {
                for (i, item) in items.enumerated() {
                    if let key = Self.key(item) { objects.append(Object(key: key, chunk: chunk, listItem: i, node: item)) }
                }
            } else if let key = Self.key(node) {
                objects.append(Object(key: key, chunk: chunk, listItem: nil, node: node))
            }
        }
    }

    static func read(_ path: String) throws(SwkError) -> ManifestFile {
        try ManifestFile(path: path, text: String(decoding: try FS.readBytes(path), as: UTF8.self))
    }

    private static func key(_ node: YAMLNode) -> ObjectKey? {
        guard let kind = node["kind"]?.scalarText, let name = node["metadata"]?["name"]?.scalarText else { return nil }
        let ns = node["metadata"]?["namespace"]?.scalarText ?? ""
        return ObjectKey(kind: kind, namespace: ns.isEmpty ? "default" : ns, name: name)
    }

    /// Cuts before every line that starts a document (`---` alone or followed by a space).
    static func split(_ text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            let startsDocument = line == "---" || line.hasPrefix("--- ") || line.hasPrefix("---\t")
            if startsDocument && !current.isEmpty {
                chunks.append(current)
                current = ""
            }
            current += line + (i == lines.count - 1 ? "" : "\n")
        }
        if !current.isEmpty || chunks.isEmpty { chunks.append(current) }
        return chunks
    }

    func object(_ key: ObjectKey) -> Object? { objects.first { $0.key == key } }

    /// The object's own text: its document as written, or a List item emitted on its own.
    func text(of object: Object) -> String {
        if object.listItem != nil { return YAMLEmitter.emit(object.node) }
        return Self.body(chunks[object.chunk])
    }

    /// A chunk without its `---` line.
    static func body(_ chunk: String) -> String {
        guard chunk.hasPrefix("---") else { return chunk }
        guard let newline = chunk.firstIndex(of: "\n") else { return "" }
        return String(chunk[chunk.index(after: newline)...])
    }

    /// The file with `object` replaced by `replacement` (nil: removed), other documents untouched.
    func replacing(_ object: Object, with replacement: String?) -> String {
        var chunks = chunks
        let original = chunks[object.chunk]
        let header = original.hasPrefix("---") ? String(original.prefix { $0 != "\n" }) + "\n" : ""
        if let item = object.listItem, var list = documents[object.chunk], var items = list["items"]?.sequence {
            // A List is re-emitted without (or with a new) item; an emptied List goes altogether.
            if let replacement, let node = try? YAMLParser().parse(Array(replacement.utf8)).first {
                items[item] = node
            } else {
                items.remove(at: item)
            }
            if items.isEmpty {
                chunks[object.chunk] = ""
            } else {
                list = Self.setting(list, "items", YAMLNode(.sequence(items)))
                chunks[object.chunk] = header + YAMLEmitter.emit(list)
            }
        } else if let replacement {
            chunks[object.chunk] = header + replacement + (replacement.hasSuffix("\n") || replacement.isEmpty ? "" : "\n")
        } else {
            chunks[object.chunk] = ""
        }
        var text = chunks.joined()
        // Dropping the first document must not leave a dangling body before the next `---`.
        if text.allSatisfy({ $0 == "\n" || $0 == " " }) { text = "" }
        return text
    }

    private static func setting(_ node: YAMLNode, _ key: String, _ value: YAMLNode) -> YAMLNode {
        guard var pairs = node.mapping, let i = pairs.firstIndex(where: { $0.key.scalarText == key }) else { return node }
        pairs[i].value = value
        return YAMLNode(.mapping(pairs), mark: node.mark, tag: node.tag)
    }
}

/// The manifest directory as the daemon reads it: the files it would load and what they declare.
struct ManifestDirectory {
    let path: String

    /// The daemon's rule (Controller's `ManifestSource.isManifest`): `*.yaml|*.yml|*.json`, never
    /// dot, swap, backup or temp files.
    static func isManifest(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("#") || name.hasSuffix("~") || name.hasSuffix("#") { return false }
        for junk in [".swp", ".swx", ".bak", ".backup", ".orig", ".rej", ".tmp"] where name.hasSuffix(junk) { return false }
        if name.contains(".dpkg-") || name.contains(".tmp-") { return false }
        return name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json")
    }

    /// Every manifest file that parses as YAML, sorted by name (a broken file declares nothing
    /// we could edit safely, so it is left alone).
    func files() throws(SwkError) -> [ManifestFile] {
        guard FS.isDirectory(path) else {
            throw SwkError(.notFound, "manifest directory \(path) does not exist")
        }
        var out: [ManifestFile] = []
        for name in try FS.list(path).sorted() where Self.isManifest(name) {
            if let file = try? ManifestFile.read("\(path)/\(name)") { out.append(file) }
        }
        return out
    }

    /// The file that declares `key`, if any.
    func declaration(of key: ObjectKey) throws(SwkError) -> (ManifestFile, ManifestFile.Object)? {
        for file in try files() {
            if let object = file.object(key) { return (file, object) }
        }
        return nil
    }
}
