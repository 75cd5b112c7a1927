import KubeAPI
import SwkSupport

/// Why kubelet refused to run a pod (a failed admission): the pod is not started and shows phase
/// Failed with this reason and message until its manifest or the node's settings change.
public struct PodRejection: Sendable, Equatable {
    public var reason: EventReason
    public var message: String

    public init(reason: EventReason, message: String) {
        self.reason = reason
        self.message = message
    }
}

/// kubelet's sysctl admission (pkg/kubelet/sysctl): every sysctl of a pod must be on the safe
/// list or match the node's `allowed-unsafe-sysctls`, and must not belong to a namespace the pod
/// shares with the host (net.* with hostNetwork, the IPC ones with hostIPC).
public struct SysctlAllowlist: Sendable, Equatable {
    /// kubelet's safe set (`Sysctl.safe`, also PodSecurity baseline's). kubelet drops the ones
    /// newer than the running kernel; all of them are namespaced from Linux 4.6 on.
    public static let safe = Sysctl.safe

    enum Namespace: String, Sendable { case ipc, net }

    private var names: [String: Namespace] = [:]
    private var prefixes: [String: Namespace] = [:]

    /// kubelet's default: the safe set only.
    public static let safeOnly = SysctlAllowlist()

    private init() {
        for name in Self.safe { names[name] = Self.namespace(of: name) }
    }

    /// The safe set plus `allowedUnsafe`: names, or prefixes ending in `*` (`kernel.msg*`). Each
    /// must be known to be namespaced, as kubelet requires at start.
    public init(allowedUnsafe: [String]) throws(SwkError) {
        self.init()
        for pattern in allowedUnsafe {
            let isPrefix = pattern.hasSuffix("*")
            let name = isPrefix ? String(pattern.dropLast()) : pattern
            guard !name.isEmpty, !name.contains("*"), let ns = Self.namespace(of: name) else {
                throw SwkError(.invalidArgument, "allowed-unsafe-sysctls: the sysctl \"\(pattern)\" is not known to be namespaced")
            }
            if isPrefix { prefixes[name] = ns } else { names[name] = ns }
        }
    }

    /// The namespace a sysctl belongs to (kubelet's NamespacedBy), nil when not namespaced.
    static func namespace(of name: String) -> Namespace? {
        if name == "kernel.sem" { return .ipc }
        for prefix in ["kernel.shm", "kernel.msg", "fs.mqueue."] where name.hasPrefix(prefix) { return .ipc }
        return name.hasPrefix("net.") ? .net : nil
    }

    /// nil when every sysctl of the pod may be set; else kubelet's SysctlForbidden rejection.
    public func admit(_ pod: Pod) -> PodRejection? {
        for sysctl in pod.spec.securityContext?.sysctls ?? [] {
            if let problem = check(sysctl.name, hostNetwork: pod.spec.hostNetwork, hostIPC: pod.spec.hostIPC) {
                return PodRejection(reason: .sysctlForbidden, message: "forbidden sysctl: \(problem)")
            }
        }
        return nil
    }

    private func check(_ name: String, hostNetwork: Bool, hostIPC: Bool) -> String? {
        let ns = names[name] ?? prefixes.first { name.hasPrefix($0.key) }?.value
        guard let ns else { return "\"\(name)\" not allowlisted" }
        if (ns == .ipc && hostIPC) || (ns == .net && hostNetwork) {
            return "\"\(name)\" not allowed with host \(ns.rawValue) enabled"
        }
        return nil
    }
}
