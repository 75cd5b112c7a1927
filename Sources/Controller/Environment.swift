import CRI
import KubeAPI
import SwkSupport

/// A container's environment as kubelet builds it: `env` in order, each value able to use
/// `$(NAME)` of the variables before it, values from the downward API (`fieldRef`,
/// `resourceFieldRef`); and the same `$(NAME)` expansion in command and args.
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
    /// (kubelet's CreateContainerConfigError).
    public func environment(for container: KubeAPI.Container, in pod: Pod, podIP: String) throws(SwkError) -> [KeyValue] {
        var resolved: [KeyValue] = []
        var known: [String: String] = [:]
        if !container.envFrom.isEmpty {
            throw SwkError(.failedPrecondition, "container \(container.name): envFrom from ConfigMaps and Secrets is not supported yet")
        }
        for variable in container.env {
            let value: String
            if let source = variable.valueFrom {
                value = try self.value(of: source, variable: variable.name, container: container, pod: pod, podIP: podIP)
            } else {
                value = expand(variable.value, known)
            }
            known[variable.name] = value
            resolved.removeAll { $0.key == variable.name }
            resolved.append(KeyValue(key: variable.name, value: value))
        }
        return resolved
    }

    private func value(of source: EnvVarSource, variable: String, container: KubeAPI.Container, pod: Pod,
                       podIP: String) throws(SwkError) -> String {
        if let field = source.fieldRef {
            return try fieldValue(field.fieldPath, pod: pod, podIP: podIP)
        }
        if let resource = source.resourceFieldRef {
            let target = resource.containerName.flatMap { name in
                (pod.spec.initContainers + pod.spec.containers).first { $0.name == name }
            } ?? container
            return resourceValue(resource, of: target)
        }
        throw SwkError(.failedPrecondition,
                       "env \(variable) of container \(container.name): values from ConfigMaps and Secrets are not supported yet")
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
