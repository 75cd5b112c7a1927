import CRI
import KubeAPI
import SwkSupport

/// A container's environment as kubelet builds it: `envFrom` objects, then `env` in order, each
/// value able to use `$(NAME)` of the variables before it, values from the downward API
/// (`fieldRef`, `resourceFieldRef`) and from the manifest directory's ConfigMaps and Secrets
/// (`configMapKeyRef`, `secretKeyRef`); and the same `$(NAME)` expansion in command and args.
public struct EnvironmentBuilder: Sendable {
    /// What the downward API reads besides the pod itself.
    public struct NodeFacts: Sendable {
        public var nodeName: String
        public var cpuCores: Int64
        public var memoryBytes: Int64

        public init(nodeName: String, cpuCores: Int64, memoryBytes: Int64) {
            self.nodeName = nodeName
            self.cpuCores = cpuCores
            self.memoryBytes = memoryBytes
        }
    }

    public var node: NodeFacts

    public init(node: NodeFacts) {
        self.node = node
    }

    /// The resolved variables, or an error naming the first one that cannot be resolved
    /// (kubelet's CreateContainerConfigError, with its messages: `configmap "x" not found`,
    /// `couldn't find key k in ConfigMap ns/x`). As kubelet's makeEnvironmentVariables: `envFrom`
    /// first (ConfigMap `data` / Secret keys, `prefix` prepended, invalid names skipped), then
    /// `env`; a later definition of a name replaces an earlier one.
    public func environment(for container: KubeAPI.Container, in pod: Pod, podIP: String,
                            objects: PodConfigObjects = .init()) throws(SwkError) -> [KeyValue] {
        try resolve(container, in: pod, podIP: podIP, objects: objects).variables
    }

    /// kubelet's InvalidEnvironmentVariableNames warnings: per envFrom object, the keys skipped
    /// because, with the prefix, they are not valid variable names. Empty when nothing is skipped
    /// or the environment cannot be resolved (that error is reported on its own).
    public func skippedKeyWarnings(for container: KubeAPI.Container, in pod: Pod,
                                   objects: PodConfigObjects) -> [String] {
        (try? resolve(container, in: pod, podIP: "", objects: objects).warnings) ?? []
    }

    private func resolve(_ container: KubeAPI.Container, in pod: Pod, podIP: String,
                         objects: PodConfigObjects) throws(SwkError) -> (variables: [KeyValue], warnings: [String]) {
        var resolved: [KeyValue] = []
        var known: [String: String] = [:]
        var warnings: [String] = []
        func define(_ name: String, _ value: String) {
            known[name] = value
            resolved.removeAll { $0.key == name }
            resolved.append(KeyValue(key: name, value: value))
        }
        let namespace = pod.metadata.namespace
        for source in container.envFrom {
            let entries: [(String, String)]
            let what: String
            if let ref = source.configMapRef {
                guard let cm = objects.configMaps[ref.name] else {
                    if ref.optional == true { continue }
                    throw SwkError(.notFound, "configmap \"\(ref.name)\" not found")
                }
                entries = cm.data.sorted { $0.key < $1.key }
                what = "configMap \(namespace)/\(ref.name)"
            } else if let ref = source.secretRef {
                guard let secret = objects.secrets[ref.name] else {
                    if ref.optional == true { continue }
                    throw SwkError(.notFound, "secret \"\(ref.name)\" not found")
                }
                entries = secret.data.sorted { $0.key < $1.key }.map { ($0.key, String(decoding: $0.value, as: UTF8.self)) }
                what = "secret \(namespace)/\(ref.name)"
            } else {
                continue
            }
            var invalid: [String] = []
            for (key, value) in entries {
                let name = (source.prefix ?? "") + key
                guard NameRules.isEnvVarName(name) else {
                    invalid.append(name)
                    continue
                }
                define(name, value)
            }
            if !invalid.isEmpty {
                warnings.append("Keys [\(invalid.sorted().joined(separator: ", "))] from the EnvFrom \(what) were skipped since they are considered invalid environment variable names.")
            }
        }
        for variable in container.env {
            if let source = variable.valueFrom {
                guard let value = try self.value(of: source, variable: variable.name, container: container, pod: pod,
                                                 podIP: podIP, objects: objects) else { continue }
                define(variable.name, value)
            } else {
                define(variable.name, expand(variable.value, known))
            }
        }
        return (resolved, warnings)
    }

    /// nil: an optional ConfigMap/Secret or key that is missing, which leaves the variable unset.
    private func value(of source: EnvVarSource, variable: String, container: KubeAPI.Container, pod: Pod,
                       podIP: String, objects: PodConfigObjects) throws(SwkError) -> String? {
        if let field = source.fieldRef {
            return try fieldValue(field.fieldPath, pod: pod, podIP: podIP)
        }
        if let resource = source.resourceFieldRef {
            let target = resource.containerName.flatMap { name in
                (pod.spec.initContainers + pod.spec.containers).first { $0.name == name }
            } ?? container
            return resourceValue(resource, of: target)
        }
        let namespace = pod.metadata.namespace
        if let ref = source.configMapKeyRef {
            guard let cm = objects.configMaps[ref.name] else {
                if ref.optional == true { return nil }
                throw SwkError(.notFound, "configmap \"\(ref.name)\" not found")
            }
            guard let value = cm.data[ref.key] else {
                if ref.optional == true { return nil }
                throw SwkError(.notFound, "couldn't find key \(ref.key) in ConfigMap \(namespace)/\(ref.name)")
            }
            return value
        }
        if let ref = source.secretKeyRef {
            guard let secret = objects.secrets[ref.name] else {
                if ref.optional == true { return nil }
                throw SwkError(.notFound, "secret \"\(ref.name)\" not found")
            }
            guard let bytes = secret.data[ref.key] else {
                if ref.optional == true { return nil }
                throw SwkError(.notFound, "couldn't find key \(ref.key) in Secret \(namespace)/\(ref.name)")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        throw SwkError(.invalidArgument, "env \(variable) of container \(container.name): valueFrom names no source")
    }

    func fieldValue(_ path: String, pod: Pod, podIP: String) throws(SwkError) -> String {
        switch path {
        case "metadata.name": return pod.metadata.name
        case "metadata.namespace": return pod.metadata.namespace
        case "metadata.uid": return pod.metadata.uid
        case "spec.nodeName": return node.nodeName
        case "spec.serviceAccountName": return ""
        case "status.podIP", "status.podIPs": return podIP
        case "status.hostIP", "status.hostIPs": return ""
        default:
            for (prefix, map) in [("metadata.labels['", pod.metadata.labels), ("metadata.annotations['", pod.metadata.annotations)]
            where path.hasPrefix(prefix) && path.hasSuffix("']") {
                return map[String(path.dropFirst(prefix.count).dropLast(2))] ?? ""
            }
            throw SwkError(.invalidArgument, "unsupported fieldRef.fieldPath \"\(path)\"")
        }
    }

    /// limits.cpu / requests.cpu in whole units of the divisor (rounded up), memory in bytes
    /// over the divisor; an unset limit reads as the node's capacity, as kubelet does.
    func resourceValue(_ selector: ResourceFieldSelector, of container: KubeAPI.Container) -> String {
        let parts = selector.resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "" }
        let table = parts[0] == "requests" ? container.resources.requests : container.resources.limits
        let quantity = table[parts[1]] ?? (parts[0] == "requests" ? container.resources.limits[parts[1]] : nil)
        if parts[1] == "cpu" {
            let millis = quantity?.milliValue ?? node.cpuCores * 1000
            let divisor = max(1, selector.divisor?.milliValue ?? 1000)
            return String((millis + divisor - 1) / divisor)
        }
        let bytes = quantity?.value ?? node.memoryBytes
        let divisor = max(1, selector.divisor?.value ?? 1)
        return String((bytes + divisor - 1) / divisor)
    }
}

/// Kubernetes' `$(NAME)` expansion: known names are replaced, `$$` escapes a `$`, unknown
/// references stay as written.
public func expand(_ text: String, _ variables: [String: String]) -> String {
    guard text.contains("$") else { return text }
    var out = ""
    var rest = Substring(text)
    while let dollar = rest.firstIndex(of: "$") {
        out += rest[..<dollar]
        let after = rest[rest.index(after: dollar)...]
        if after.hasPrefix("$") {
            out += "$"
            rest = after.dropFirst()
        } else if after.hasPrefix("("), let close = after.firstIndex(of: ")"),
                  let value = variables[String(after[after.index(after: after.startIndex)..<close])] {
            out += value
            rest = after[after.index(after: close)...]
        } else {
            out += "$"
            rest = after
        }
    }
    return out + rest
}
