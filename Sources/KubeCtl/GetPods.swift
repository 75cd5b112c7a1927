import StateStore
import SwkSupport

/// `-o` of `get`.
public enum OutputFormat: String, CaseIterable, Sendable {
    case wide, json, yaml, name
}

/// Which pods a command addresses: one namespace (default `default`) or all of them.
public struct NamespaceScope: Sendable, Equatable {
    public var namespace: String
    public var all: Bool

    public init(namespace: String = "default", all: Bool = false) {
        self.namespace = namespace
        self.all = all
    }

    func contains(_ ns: String) -> Bool { all || ns == namespace }

    /// kubectl's message for an empty result.
    var noResources: String { all ? "No resources found\n" : "No resources found in \(namespace) namespace.\n" }
}

/// `swkubectl get pods [NAME] [-o wide|json|yaml|name] [-n NS | -A]`.
public struct GetPods: Sendable {
    public var name: String?
    public var output: OutputFormat?
    public var scope: NamespaceScope

    public init(name: String? = nil, output: OutputFormat? = nil, scope: NamespaceScope = .init()) {
        self.name = name
        self.output = output
        self.scope = scope
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output()
        out.stderr = try daemonWarning(store, ctx) ?? ""
        let pods: [PodRecord]
        if let name {
            if scope.all {
                throw SwkError(.invalidArgument, "a resource cannot be retrieved by name across all namespaces")
            }
            guard let pod = try store.pod(namespace: scope.namespace, name: name) else {
                out.stderr += notFound(name, in: try store.pods())
                out.exitCode = 1
                return out
            }
            pods = [pod]
        } else {
            pods = try store.pods().filter { scope.contains($0.namespace) }
        }
        switch output {
        case .json:
            out.stdout = try (name == nil ? PodObject.list(pods) : PodObject.make(pods[0])).jsonText()
        case .yaml:
            out.stdout = try (name == nil ? PodObject.list(pods) : PodObject.make(pods[0])).yamlText()
        case .name:
            out.stdout = pods.map { "pod/\($0.name)\n" }.joined()
        case .wide, nil:
            if pods.isEmpty {
                out.stderr += scope.noResources
            } else {
                out.stdout = table(pods, ctx)
            }
        }
        out.stderr += manifestErrorLines(try store.manifestErrors())
        return out
    }

    private func table(_ pods: [PodRecord], _ ctx: Context) -> String {
        let wide = output == .wide
        var header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        if scope.all { header.insert("NAMESPACE", at: 0) }
        if wide { header += ["IP", "NODE"] }
        var text = header.joined(separator: "\t") + "\n"
        for pod in pods {
            let s = PodSummary(pod, now: ctx.now)
            var row = [pod.name, s.ready, s.status, s.restarts, TimeText.since(pod.createdAt, now: ctx.now)]
            if scope.all { row.insert(pod.namespace, at: 0) }
            if wide { row += [pod.podIP.isEmpty ? "<none>" : pod.podIP, ctx.hostname] }
            text += row.joined(separator: "\t") + "\n"
        }
        return TabWriter.table.format(text)
    }

    /// kubectl's NotFound line, with a hint when the name exists in another namespace or is a
    /// near miss of one in this namespace.
    private func notFound(_ name: String, in pods: [PodRecord]) -> String {
        var line = "Error from server (NotFound): pods \"\(name)\" not found"
        if let other = pods.first(where: { $0.name == name }) {
            line += " in namespace \"\(scope.namespace)\" (it exists in \"\(other.namespace)\": use -n \(other.namespace))"
        } else if let near = pods.filter({ $0.namespace == scope.namespace })
                    .map(\.name).min(by: { editDistance($0, name) < editDistance($1, name) }),
                  editDistance(near, name) <= 2 {
            line += " (did you mean \"\(near)\"?)"
        }
        return line + "\n"
    }
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var prev = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}
