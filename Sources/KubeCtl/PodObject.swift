import StateStore
import SwkSupport

/// A stored pod as a Kubernetes `v1 Pod` object for `-o json|yaml`: metadata and spec as the
/// manifest declared them (`specJSON`), status from the record, so scripts written against
/// kubectl's output read ours.
enum PodObject {
    static func make(_ pod: PodRecord) throws(SwkError) -> JSONValue {
        let declared = try declaredPod(pod)
        var metadata: [(String, JSONValue)] = [
            ("name", .string(pod.name)),
            ("namespace", .string(pod.namespace)),
            ("uid", .string(pod.uid)),
            ("creationTimestamp", .string(TimeText.rfc3339(pod.createdAt))),
        ]
        for key in ["labels", "annotations"] {
            if let v = declared["metadata"]?[key], case .object(let m) = v, !m.isEmpty { metadata.append((key, v)) }
        }
        return .object([
            ("apiVersion", .string("v1")),
            ("kind", .string("Pod")),
            ("metadata", .object(metadata)),
            ("spec", spec(declared)),
            ("status", status(pod)),
        ])
    }

    /// `kind: List` of pods, as `kubectl get pods -o json` prints several.
    static func list(_ pods: [PodRecord]) throws(SwkError) -> JSONValue {
        var items: [JSONValue] = []
        for p in pods { items.append(try make(p)) }
        return .object([
            ("apiVersion", .string("v1")),
            ("items", .array(items)),
            ("kind", .string("List")),
            ("metadata", .object([("resourceVersion", .string(""))])),
        ])
    }

    /// The stored manifest object. An empty `specJSON` (a pod recorded before its manifest decoded)
    /// gives an empty object rather than an error, so `get` still shows the status.
    static func declaredPod(_ pod: PodRecord) throws(SwkError) -> JSONValue {
        if pod.specJSON.isEmpty { return .object([]) }
        do {
            return try JSONValue.parse(pod.specJSON)
        } catch {
            throw SwkError(.internal, "pod \(pod.namespace)/\(pod.name): stored spec: \(error)")
        }
    }

    /// The stored object is the whole Pod; a bare PodSpec (no `spec` key) is taken as the spec.
    private static func spec(_ declared: JSONValue) -> JSONValue {
        if let spec = declared["spec"] { return spec }
        return declared["containers"] != nil ? declared : .object([])
    }

    private static func status(_ pod: PodRecord) -> JSONValue {
        let conditions = PodConditions(pod)
        var s: [(String, JSONValue)] = [("phase", .string(pod.phase.rawValue))]
        s.append(("conditions", .array(conditions.list.map { c in
            .object([("type", .string(c.type)), ("status", .string(c.status ? "True" : "False"))])
        })))
        if !pod.reason.isEmpty { s.append(("reason", .string(pod.reason))) }
        if !pod.message.isEmpty { s.append(("message", .string(pod.message))) }
        if !pod.podIP.isEmpty {
            s.append(("podIP", .string(pod.podIP)))
            s.append(("podIPs", .array([.object([("ip", .string(pod.podIP))])])))
        }
        if pod.startTime != 0 { s.append(("startTime", .string(TimeText.rfc3339(pod.startTime)))) }
        let inits = pod.containers.filter(\.isInit)
        if !inits.isEmpty { s.append(("initContainerStatuses", .array(inits.map(containerStatus)))) }
        s.append(("containerStatuses", .array(pod.containers.filter { !$0.isInit }.map(containerStatus))))
        return .object(s)
    }

    private static func containerStatus(_ c: ContainerRecord) -> JSONValue {
        let containerID = c.containerID.isEmpty ? nil : "swkube://\(c.containerID)"
        var state: [(String, JSONValue)] = []
        switch c.state {
        case .waiting:
            var w: [(String, JSONValue)] = []
            if !c.reason.isEmpty { w.append(("reason", .string(c.reason))) }
            if !c.message.isEmpty { w.append(("message", .string(c.message))) }
            state.append(("waiting", .object(w)))
        case .running:
            var r: [(String, JSONValue)] = []
            if c.startedAt != 0 { r.append(("startedAt", .string(TimeText.rfc3339(c.startedAt)))) }
            state.append(("running", .object(r)))
        case .terminated:
            var t: [(String, JSONValue)] = [("exitCode", .int(c.exitCode))]
            if !c.reason.isEmpty { t.append(("reason", .string(c.reason))) }
            if !c.message.isEmpty { t.append(("message", .string(c.message))) }
            if c.startedAt != 0 { t.append(("startedAt", .string(TimeText.rfc3339(c.startedAt)))) }
            if c.finishedAt != 0 { t.append(("finishedAt", .string(TimeText.rfc3339(c.finishedAt)))) }
            if let containerID { t.append(("containerID", .string(containerID))) }
            state.append(("terminated", .object(t)))
        }
        var last: [(String, JSONValue)] = []
        if let code = c.lastExitCode {
            var t: [(String, JSONValue)] = [("exitCode", .int(code))]
            if !c.lastReason.isEmpty { t.append(("reason", .string(c.lastReason))) }
            if c.lastFinishedAt != 0 { t.append(("finishedAt", .string(TimeText.rfc3339(c.lastFinishedAt)))) }
            last.append(("terminated", .object(t)))
        }
        var s: [(String, JSONValue)] = [
            ("name", .string(c.name)),
            ("state", .object(state)),
            ("lastState", .object(last)),
            ("ready", .bool(c.ready)),
            ("restartCount", .int(c.restartCount)),
            ("image", .string(c.image)),
            ("imageID", .string(c.imageID)),
        ]
        if let containerID { s.append(("containerID", .string(containerID))) }
        s.append(("started", .bool(c.state == .running)))
        return .object(s)
    }
}
