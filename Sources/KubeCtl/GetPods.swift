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

/// `swkubectl get pods [NAME] [-o wide|json|yaml|name] [-n NS | -A] [-l SELECTOR] [--no-headers]
/// [--show-labels] [-w]`. With `-w` the first listing is followed by a line per change, found by
/// polling the state database (a read of one small table; the daemon writes only on changes).
public struct GetPods: Sendable {
    public var name: String?
    public var output: OutputFormat?
    public var scope: NamespaceScope
    public var selector: LabelSelector?
    public var noHeaders = false
    public var showLabels = false
    public var watch = false

    public init(name: String? = nil, output: OutputFormat? = nil, scope: NamespaceScope = .init()) {
        self.name = name
        self.output = output
        self.scope = scope
    }

    /// How often `-w` reads the database.
    static let pollNanos: Int64 = 500_000_000

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output()
        out.stderr = try daemonWarning(store, ctx) ?? ""
        if name != nil && selector != nil {
            throw SwkError(.invalidArgument, "name cannot be provided when a selector is specified")
        }
        if let name {
            if scope.all {
                throw SwkError(.invalidArgument, "a resource cannot be retrieved by name across all namespaces")
            }
            if try store.pod(namespace: scope.namespace, name: name) == nil {
                out.stderr += podNotFound(name, namespace: scope.namespace, in: try store.pods())
                out.exitCode = 1
                return out
            }
        }
        var pods = try select(store)
        switch output {
        case .json:
            out.stdout = try (name == nil ? PodObject.list(pods) : PodObject.make(pods[0])).jsonText()
        case .yaml:
            out.stdout = try (name == nil ? PodObject.list(pods) : PodObject.make(pods[0])).yamlText()
        case .name:
            out.stdout = pods.map { "pod/\($0.name)\n" }.joined()
        case .wide, nil:
            if pods.isEmpty && !watch {
                out.stderr += scope.noResources
            } else {
                out.stdout = TabWriter.table.format((noHeaders ? "" : header()) + pods.map { row($0, ctx) }.joined())
            }
        }
        out.stderr += manifestErrorLines(try store.manifestErrors())
        guard watch else { return out }

        // Watch: one line per pod whose record changed (the passage of time alone is no change),
        // appeared or disappeared.
        guard ctx.emit(out) else { return Output() }
        var last = Dictionary(pods.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
        while true {
            ctx.pause(Self.pollNanos)
            pods = try select(store)
            var changed: [PodRecord] = []
            for pod in pods where last[pod.uid] != pod { changed.append(pod) }
            let current = Set(pods.map(\.uid))
            // A deleted pod is shown once more as it was last seen, as kubectl shows a DELETED event.
            let gone = last.values.filter { !current.contains($0.uid) }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            last = Dictionary(pods.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
            let events = changed + gone
            var later = ctx
            later.now = ctx.clock()
            var text = ""
            switch output {
            case .json:
                for p in events { text += try PodObject.make(p).jsonText() }
            case .yaml:
                for p in events { text += "---\n" + (try PodObject.make(p).yamlText()) }
            case .name:
                text = events.map { "pod/\($0.name)\n" }.joined()
            case .wide, nil:
                text = TabWriter.table.format(events.map { row($0, later) }.joined())
            }
            // Emitted even when empty: that is where a gone reader is noticed.
            if !ctx.emit(Output(stdout: text)) { return Output() }
        }
    }

    /// The pods in scope, by name, matching the selector.
    private func select(_ store: StateStore) throws(SwkError) -> [PodRecord] {
        if let name {
            return try store.pod(namespace: scope.namespace, name: name).map { [$0] } ?? []
        }
        return try store.pods().filter { pod in
            scope.contains(pod.namespace) && (selector?.matches(PodObject.labels(pod)) ?? true)
        }
    }

    private func header() -> String {
        var header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        if scope.all { header.insert("NAMESPACE", at: 0) }
        if output == .wide { header += ["IP", "NODE"] }
        if showLabels { header.append("LABELS") }
        return header.joined(separator: "\t") + "\n"
    }

    private func row(_ pod: PodRecord, _ ctx: Context) -> String {
        let s = PodSummary(pod, now: ctx.now)
        var row = [pod.name, s.ready, s.status, s.restarts, TimeText.since(pod.createdAt, now: ctx.now)]
        if scope.all { row.insert(pod.namespace, at: 0) }
        if output == .wide { row += [pod.podIP.isEmpty ? "<none>" : pod.podIP, ctx.hostname] }
        if showLabels {
            let labels = PodObject.labels(pod).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            row.append(labels.isEmpty ? "<none>" : labels.joined(separator: ","))
        }
        return row.joined(separator: "\t") + "\n"
    }

}

/// kubectl's NotFound line, with a hint when the name exists in another namespace or is a
/// near miss of one in this namespace.
func podNotFound(_ name: String, namespace: String, in pods: [PodRecord]) -> String {
    var line = "Error from server (NotFound): pods \"\(name)\" not found"
    if let other = pods.first(where: { $0.name == name }) {
        line += " in namespace \"\(namespace)\" (it exists in \"\(other.namespace)\": use -n \(other.namespace))"
    } else if let near = pods.filter({ $0.namespace == namespace })
                .map(\.name).min(by: { editDistance($0, name) < editDistance($1, name) }),
              editDistance(near, name) <= 2 {
        line += " (did you mean \"\(near)\"?)"
    }
    return line + "\n"
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
