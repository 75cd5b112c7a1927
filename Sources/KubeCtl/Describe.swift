import StateStore
import SwkSupport

/// `swkubectl describe pod NAME [-n NS]`, in kubectl's layout (pkg/describe): the pod's header
/// fields, each container's declared command/env/mounts and observed state, the conditions, the
/// volumes and the events, aligned by Go's tabwriter rules.
public struct DescribePod: Sendable {
    public var name: String
    public var namespace: String

    public init(name: String, namespace: String = "default") {
        self.name = name
        self.namespace = namespace
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output()
        out.stderr = try daemonWarning(store, ctx) ?? ""
        guard let pod = try store.pod(namespace: namespace, name: name) else {
            out.stderr += podNotFound(name, namespace: namespace, in: try store.pods())
            out.exitCode = 1
            return out
        }
        let events = try store.events(podUID: pod.uid)
        out.stdout = try describe(pod, events, ctx)
        out.stderr += manifestErrorLines(try store.manifestErrors().filter { $0.file == pod.manifestPath })
        return out
    }

    func describe(_ pod: PodRecord, _ events: [EventRecord], _ ctx: Context) throws(SwkError) -> String {
        let declared = try PodObject.declaredPod(pod)
        let spec = declared["spec"] ?? declared
        let time = { (t: Int64) in TimeText.rfc1123z(t, utcOffset: ctx.utcOffset(t)) }
        var w = ""
        w += "Name:\t\(pod.name)\n"
        w += "Namespace:\t\(pod.namespace)\n"
        w += "Node:\t\(ctx.hostname)\n"
        w += "Manifest:\t\(pod.manifestPath)\n"
        if pod.startTime != 0 { w += "Start Time:\t\(time(pod.startTime))\n" }
        w += keyValues("Labels", declared["metadata"]?["labels"], separator: "=")
        w += keyValues("Annotations", declared["metadata"]?["annotations"], separator: ": ")
        w += "Status:\t\(pod.phase.rawValue)\n"
        if !pod.reason.isEmpty { w += "Reason:\t\(pod.reason)\n" }
        if !pod.message.isEmpty { w += "Message:\t\(pod.message)\n" }
        w += "IP:\t\(pod.podIP)\n"
        if !pod.podIP.isEmpty { w += "IPs:\n  IP:\t\(pod.podIP)\n" }
        let inits = pod.containers.filter(\.isInit)
        if !inits.isEmpty {
            w += "Init Containers:\n"
            for c in inits { w += container(c, declared: find(c.name, in: spec["initContainers"]), time) }
        }
        w += "Containers:\n"
        for c in pod.containers where !c.isInit { w += container(c, declared: find(c.name, in: spec["containers"]), time) }
        w += "Conditions:\n  Type\tStatus\n"
        for c in PodConditions(pod).list { w += "  \(c.type)\t\(c.status ? "True" : "False")\n" }
        w += volumes(spec["volumes"])
        w += eventTable(events, ctx)
        return TabWriter.describe.format(w)
    }

    private func find(_ name: String, in list: JSONValue?) -> JSONValue {
        guard case .array(let items)? = list else { return .object([]) }
        return items.first { $0["name"] == .string(name) } ?? .object([])
    }

    private func keyValues(_ title: String, _ map: JSONValue?, separator: String) -> String {
        let members = map?.sortedMembers ?? []
        if members.isEmpty { return "\(title):\t<none>\n" }
        return members.enumerated().map { i, kv in
            (i == 0 ? "\(title):" : "") + "\t\(kv.0)\(separator)\(scalarText(kv.1))\n"
        }.joined()
    }

    private func container(_ c: ContainerRecord, declared: JSONValue, _ time: (Int64) -> String) -> String {
        var w = "  \(c.name):\n"
        w += "    Container ID:\t\(c.containerID.isEmpty ? "" : "swkube://\(c.containerID)")\n"
        w += "    Image:\t\(c.image)\n"
        w += "    Image ID:\t\(c.imageID)\n"
        let ports = strings(declared["ports"]) { p in
            "\(scalarText(p["containerPort"] ?? .null))/\(scalarText(p["protocol"] ?? .string("TCP")))"
        }
        w += "    Port:\t\(ports.isEmpty ? "<none>" : ports.joined(separator: ", "))\n"
        let hostPorts = strings(declared["ports"]) { p in
            p["hostPort"].map { "\(scalarText($0))/\(scalarText(p["protocol"] ?? .string("TCP")))" } ?? ""
        }.filter { !$0.isEmpty }
        w += "    Host Port:\t\(hostPorts.isEmpty ? "<none>" : hostPorts.joined(separator: ", "))\n"
        for (key, title) in [("command", "Command"), ("args", "Args")] {
            let words = strings(declared[key], scalarText)
            if !words.isEmpty { w += "    \(title):\n" + words.map { "      \($0)\n" }.joined() }
        }
        w += state("State", c.state, reason: c.reason, message: c.message, exitCode: c.exitCode,
                   started: c.startedAt, finished: c.finishedAt, time)
        if let code = c.lastExitCode {
            w += state("Last State", .terminated, reason: c.lastReason, message: "", exitCode: code,
                       started: 0, finished: c.lastFinishedAt, time)
        }
        w += "    Ready:\t\(c.ready ? "True" : "False")\n"
        w += "    Restart Count:\t\(c.restartCount)\n"
        for (key, title) in [("limits", "Limits"), ("requests", "Requests")] {
            let members = declared["resources"]?[key]?.sortedMembers ?? []
            if !members.isEmpty { w += "    \(title):\n" + members.map { "      \($0.0):\t\(scalarText($0.1))\n" }.joined() }
        }
        let env = strings(declared["env"]) { e in "      \(scalarText(e["name"] ?? .null)):\t\(scalarText(e["value"] ?? .string("")))\n" }
        w += env.isEmpty ? "    Environment:\t<none>\n" : "    Environment:\n" + env.joined()
        let mounts = strings(declared["volumeMounts"]) { m in
            let ro = m["readOnly"] == .bool(true) ? "ro" : "rw"
            return "      \(scalarText(m["mountPath"] ?? .null)) from \(scalarText(m["name"] ?? .null)) (\(ro))\n"
        }
        w += mounts.isEmpty ? "    Mounts:\t<none>\n" : "    Mounts:\n" + mounts.joined()
        return w
    }

    private func state(_ title: String, _ state: ContainerRecord.State, reason: String, message: String,
                       exitCode: Int32, started: Int64, finished: Int64, _ time: (Int64) -> String) -> String {
        switch state {
        case .running:
            return "    \(title):\tRunning\n" + (started != 0 ? "      Started:\t\(time(started))\n" : "")
        case .waiting:
            return "    \(title):\tWaiting\n" + (reason.isEmpty ? "" : "      Reason:\t\(reason)\n")
        case .terminated:
            var w = "    \(title):\tTerminated\n"
            if !reason.isEmpty { w += "      Reason:\t\(reason)\n" }
            if !message.isEmpty { w += "      Message:\t\(message)\n" }
            w += "      Exit Code:\t\(exitCode)\n"
            if started != 0 { w += "      Started:\t\(time(started))\n" }
            if finished != 0 { w += "      Finished:\t\(time(finished))\n" }
            return w
        }
    }

    private func volumes(_ list: JSONValue?) -> String {
        guard case .array(let items)? = list, !items.isEmpty else { return "Volumes:\t<none>\n" }
        var w = "Volumes:\n"
        for v in items {
            w += "  \(scalarText(v["name"] ?? .null)):\n"
            if let hp = v["hostPath"] {
                w += "    Type:\tHostPath (bare host directory volume)\n"
                w += "    Path:\t\(scalarText(hp["path"] ?? .null))\n"
                w += "    HostPathType:\t\(scalarText(hp["type"] ?? .string("")))\n"
            } else if let ed = v["emptyDir"] {
                w += "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                w += "    Medium:\t\(scalarText(ed["medium"] ?? .string("")))\n"
                w += "    SizeLimit:\t\(scalarText(ed["sizeLimit"] ?? .string("<unset>")))\n"
            } else {
                let kind = v.sortedMembers.map(\.0).first { $0 != "name" } ?? "unknown"
                w += "    Type:\t\(kind)\n"
            }
        }
        return w
    }

    private func eventTable(_ events: [EventRecord], _ ctx: Context) -> String {
        if events.isEmpty { return "Events:\t<none>\n" }
        var w = "Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n"
        for e in events {
            w += "  \(e.type)\t\(e.reason)\t\(eventAge(e, now: ctx.now))\tswkubelet\t\(e.message.trimmingSpaces)\n"
        }
        return w
    }
}

/// `5s`, or `2m (x3 over 10m)` for a folded event, as kubectl shows repeats.
func eventAge(_ e: EventRecord, now: Int64) -> String {
    e.count > 1
        ? "\(TimeText.since(e.lastTimestamp, now: now)) (x\(e.count) over \(TimeText.since(e.firstTimestamp, now: now)))"
        : TimeText.since(e.firstTimestamp, now: now)
}

/// A scalar as plain text (strings unquoted); collections as JSON.
func scalarText(_ v: JSONValue) -> String {
    switch v {
    case .string(let s): s
    case .number(let n): n
    case .bool(let b): b ? "true" : "false"
    case .null: ""
    case .array, .object: String(v.jsonText().dropLast())
    }
}

/// Maps each element of a JSON array; empty for anything else.
func strings(_ list: JSONValue?, _ f: (JSONValue) -> String) -> [String] {
    guard case .array(let items)? = list else { return [] }
    return items.map(f)
}

extension String {
    var trimmingSpaces: String {
        let s = drop { $0 == " " || $0 == "\n" || $0 == "\t" }
        return String(s.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" }.reversed())
    }
}
