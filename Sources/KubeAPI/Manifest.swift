import SwkYAML

/// One finding about a manifest file, positioned like a compiler diagnostic.
public struct ManifestDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var file: String
    public var line: Int
    public var column: Int
    /// "spec.containers[0].image", "" for the document as a whole.
    public var field: String
    /// Lowercase and naming the value: `invalid value "Sometimes": must be one of Always, OnFailure, Never`.
    public var message: String

    public init(severity: Severity, file: String, line: Int, column: Int, field: String, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// "file:line:column: field: message" (the field part left out when empty).
    public var description: String {
        field.isEmpty ? "\(file):\(line):\(column): \(message)" : "\(file):\(line):\(column): \(field): \(message)"
    }
}

/// One YAML document of a manifest file (or one item of a `kind: List`) and what came of it.
public struct ManifestDocument: Sendable {
    /// 0-based position of the document in the file.
    public var index: Int
    /// Where the document (or List item) starts.
    public var line: Int
    /// The document's `kind` as written ("" when missing).
    public var kind: String
    public var pods: [Pod] = []
    public var configMaps: [ConfigMap] = []
    public var secrets: [Secret] = []
    public var diagnostics: [ManifestDiagnostic] = []

    public init(index: Int, line: Int, kind: String) {
        self.index = index
        self.line = line
        self.kind = kind
    }

    /// An error rejected this document's object (for a List: the failing items); other
    /// documents are unaffected.
    public var isRejected: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Everything read from one manifest file.
public struct ParsedManifest: Sendable {
    public var file: String
    /// Valid pods, defaulted, with `metadata.uid` filled.
    public var pods: [Pod]
    public var configMaps: [ConfigMap]
    public var secrets: [Secret]
    /// Errors (rejected documents) and warnings (unknown or ignored fields), in file order.
    public var diagnostics: [ManifestDiagnostic]
    /// A YAML syntax error (or a limit): nothing from this file is usable.
    public var isUnreadable: Bool
    public var documents: [ManifestDocument]

    public init(file: String, pods: [Pod] = [], configMaps: [ConfigMap] = [], secrets: [Secret] = [],
                diagnostics: [ManifestDiagnostic] = [], isUnreadable: Bool = false, documents: [ManifestDocument] = []) {
        self.file = file
        self.pods = pods
        self.configMaps = configMaps
        self.secrets = secrets
        self.diagnostics = diagnostics
        self.isUnreadable = isUnreadable
        self.documents = documents
    }

    public var errors: [ManifestDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [ManifestDiagnostic] { diagnostics.filter { $0.severity == .warning } }
}

/// Reads a manifest file: YAML (or JSON) with one or more documents, each a Pod, ConfigMap,
/// Secret or a `kind: List` of those. Decodes with Kubernetes defaulting, validates like the API
/// server, and turns every problem into a positioned diagnostic; never throws or crashes.
public enum ManifestParser {
    /// `podSecurity` is the Pod Security Standard the node enforces: a pod that violates it is
    /// rejected with PodSecurity admission's message at the offending field.
    public static func parse(_ bytes: [UInt8], file: String, podSecurity: PodSecurityLevel = .privileged) -> ParsedManifest {
        let nodes: [YAMLNode]
        do {
            nodes = try YAMLParser().parse(bytes)
        } catch {
            let diagnostic = ManifestDiagnostic(severity: .error, file: file, line: error.mark.line, column: error.mark.column,
                                                field: "", message: "invalid yaml: \(error.message)")
            return ParsedManifest(file: file, pods: [], configMaps: [], secrets: [], diagnostics: [diagnostic],
                                  isUnreadable: true, documents: [])
        }
        var reader = DocumentReader(file: file, podSecurity: podSecurity)
        var documents: [ManifestDocument] = []
        for (index, node) in nodes.enumerated() where !node.isNull {
            documents.append(reader.read(node, index: index))
        }
        return ParsedManifest(file: file, pods: documents.flatMap(\.pods), configMaps: documents.flatMap(\.configMaps),
                              secrets: documents.flatMap(\.secrets), diagnostics: documents.flatMap(\.diagnostics),
                              isUnreadable: false, documents: documents)
    }

    /// Fields Kubernetes has that only matter on a cluster (scheduling, service accounts):
    /// a warning says they are ignored, not that they are unknown.
    static let clusterOnlyFields: Set<String> = [
        "spec.nodeSelector", "spec.tolerations", "spec.affinity", "spec.nodeName", "spec.schedulerName",
        "spec.priority", "spec.priorityClassName", "spec.preemptionPolicy", "spec.serviceAccountName",
        "spec.serviceAccount", "spec.automountServiceAccountToken", "spec.enableServiceLinks",
        "spec.topologySpreadConstraints", "spec.imagePullSecrets", "metadata.ownerReferences",
        "metadata.finalizers", "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds",
    ]
}

/// Reads documents one by one, remembering object names to reject duplicates within the file.
struct DocumentReader {
    let file: String
    let podSecurity: PodSecurityLevel
    /// "Kind namespace/name" → line of its first declaration.
    private var declared: [String: Int] = [:]

    init(file: String, podSecurity: PodSecurityLevel) {
        self.file = file
        self.podSecurity = podSecurity
    }

    mutating func read(_ node: YAMLNode, index: Int) -> ManifestDocument {
        var document = ManifestDocument(index: index, line: node.mark.line, kind: node["kind"]?.scalarText ?? "")
        read(node, prefix: [], allowList: true, into: &document)
        // Compiler order: by position, errors and warnings interleaved.
        document.diagnostics = document.diagnostics.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
        return document
    }

    private func diagnostic(_ severity: ManifestDiagnostic.Severity, _ mark: YAMLMark, _ path: [YAMLPathElement],
                            _ message: String) -> ManifestDiagnostic {
        ManifestDiagnostic(severity: severity, file: file, line: mark.line, column: mark.column, field: path.fieldPath, message: message)
    }

    private mutating func read(_ node: YAMLNode, prefix: [YAMLPathElement], allowList: Bool, into document: inout ManifestDocument) {
        guard node.mapping != nil else {
            document.diagnostics.append(diagnostic(.error, node.mark, prefix, "expected a Kubernetes object (a mapping), got \(node.typeName)"))
            return
        }
        guard let kind = node["kind"]?.scalarText, !kind.isEmpty else {
            document.diagnostics.append(diagnostic(.error, node.mark, prefix + [.field("kind")], "required value"))
            return
        }
        let kinds = allowList ? ["Pod", "ConfigMap", "Secret", "List"] : ["Pod", "ConfigMap", "Secret"]
        guard kinds.contains(kind) else {
            document.diagnostics.append(diagnostic(.error, node["kind"]?.mark ?? node.mark, prefix + [.field("kind")],
                                                   "invalid value \"\(kind)\": swkube reads \(kinds.joined(separator: ", "))"))
            return
        }
        let apiVersion = node["apiVersion"]?.scalarText ?? ""
        guard apiVersion == "v1" else {
            let message = apiVersion.isEmpty ? "required value" : "invalid value \"\(apiVersion)\": must be v1 for kind \(kind)"
            document.diagnostics.append(diagnostic(.error, node["apiVersion"]?.mark ?? node.mark, prefix + [.field("apiVersion")], message))
            return
        }
        switch kind {
        case "List":
            guard let items = node["items"]?.sequence else {
                document.diagnostics.append(diagnostic(.error, node["items"]?.mark ?? node.mark, prefix + [.field("items")],
                                                       "required value: a List needs a list of items"))
                return
            }
            for (i, item) in items.enumerated() {
                read(item, prefix: prefix + [.field("items"), .index(i)], allowList: false, into: &document)
            }
        case "ConfigMap":
            if let cm: ConfigMap = decode(node, prefix, into: &document),
               accept(cm.metadata, node, prefix, into: &document, validateData: Array(cm.data.keys) + Array(cm.binaryData.keys)),
               claim(kind, cm.metadata, node, prefix, into: &document) {
                document.configMaps.append(cm)
            }
        case "Secret":
            if let secret: Secret = decode(node, prefix, into: &document),
               accept(secret.metadata, node, prefix, into: &document, validateData: Array(secret.data.keys)),
               claim(kind, secret.metadata, node, prefix, into: &document) {
                document.secrets.append(secret)
            }
        default:
            readPod(node, prefix, into: &document)
        }
    }

    private mutating func readPod(_ node: YAMLNode, _ prefix: [YAMLPathElement], into document: inout ManifestDocument) {
        guard var pod: Pod = decode(node, prefix, into: &document) else { return }
        let issues = pod.validate().map { ($0.path, $0.message) }
            + pod.podSecurityViolations(podSecurity).map { ($0.path, $0.message(enforcing: podSecurity)) }
        for (path, message) in issues {
            document.diagnostics.append(diagnostic(.error, node.locate(path).mark, prefix + path, message))
        }
        guard issues.isEmpty, claim("Pod", pod.metadata, node, prefix, into: &document) else { return }
        pod.metadata.uid = Pod.derivedUID(namespace: pod.metadata.namespace, name: pod.metadata.name)
        document.pods.append(pod)
    }

    /// Records the object's namespace/name; a second object of the same kind and name is an error.
    private mutating func claim(_ kind: String, _ metadata: ObjectMeta, _ node: YAMLNode, _ prefix: [YAMLPathElement],
                                into document: inout ManifestDocument) -> Bool {
        let id = "\(metadata.namespace)/\(metadata.name)"
        let path: [YAMLPathElement] = [.field("metadata"), .field("name")]
        let mark = node.locate(path).mark
        if let firstLine = declared["\(kind) \(id)"] {
            document.diagnostics.append(diagnostic(.error, mark, prefix + path,
                                                   "duplicate value \"\(id)\": already declared at line \(firstLine)"))
            return false
        }
        declared["\(kind) \(id)"] = mark.line
        return true
    }

    /// Decodes one object, turning unknown fields into warnings and a decoding failure into an error.
    private func decode<T: Decodable>(_ node: YAMLNode, _ prefix: [YAMLPathElement], into document: inout ManifestDocument) -> T? {
        do {
            let report = try YAMLDecoder().decodeWithReport(T.self, from: node)
            var notes: [ManifestDiagnostic] = []
            for field in report.unknownFields {
                let known = ManifestParser.clusterOnlyFields.contains(field.path)
                let name = field.path.split(separator: ".").last.map(String.init) ?? field.path
                let message = known ? "ignored: swkube runs a single node and does not use this field" : "unknown field \"\(name)\""
                notes.append(ManifestDiagnostic(severity: .warning, file: file, line: field.mark.line,
                                                column: field.mark.column, field: joined(prefix, field.path), message: message))
            }
            for coerced in report.coercedStrings {
                let message = "\(coerced.yamlType) \(coerced.text) where Kubernetes expects a string: quote it (\"\(coerced.text)\") "
                    + "or a cluster will reject this manifest"
                notes.append(ManifestDiagnostic(severity: .warning, file: file, line: coerced.mark.line,
                                                column: coerced.mark.column, field: joined(prefix, coerced.path), message: message))
            }
            document.diagnostics += notes.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
            return report.value
        } catch {
            document.diagnostics.append(ManifestDiagnostic(severity: .error, file: file, line: error.mark.line,
                                                           column: error.mark.column, field: joined(prefix, error.path),
                                                           message: error.message))
            return nil
        }
    }

    /// A List item's prefix and a path inside the item: `items[2]` + `spec.x`.
    private func joined(_ prefix: [YAMLPathElement], _ path: String) -> String {
        if prefix.isEmpty || path.isEmpty { return prefix.fieldPath + path }
        return prefix.fieldPath + (path.hasPrefix("[") ? "" : ".") + path
    }

    /// Name and data-key checks of a ConfigMap or Secret.
    private func accept(_ metadata: ObjectMeta, _ node: YAMLNode, _ prefix: [YAMLPathElement],
                        into document: inout ManifestDocument, validateData keys: [String]) -> Bool {
        var v = Validator()
        metadata.validate(into: &v, [.field("metadata")], nameIsSubdomain: true)
        for key in keys.sorted() where !NameRules.isConfigKey(key) {
            let field = node["data"]?[key] != nil ? "data" : node["binaryData"]?[key] != nil ? "binaryData" : "stringData"
            v.fail([.field(field), .key(key)], "invalid key \"\(key)\": \(NameRules.configKeyMessage)")
        }
        for issue in v.issues {
            document.diagnostics.append(diagnostic(.error, node.locate(issue.path).mark, prefix + issue.path, issue.message))
        }
        return v.issues.isEmpty
    }
}
