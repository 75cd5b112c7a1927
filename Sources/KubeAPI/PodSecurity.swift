import SwkYAML

/// The Kubernetes Pod Security Standards, enforced on a manifest as PodSecurity admission
/// enforces a namespace label: `privileged` allows everything, `baseline` forbids the known
/// privilege escalations (host namespaces, privileged containers, extra capabilities, hostPath,
/// hostPort, Unconfined seccomp or AppArmor, unsafe sysctls), `restricted` adds the hardening
/// best practices (non-root, no privilege escalation, capabilities dropped, an explicit seccomp
/// profile, only ephemeral and config volumes). Checks read the manifest as written, not as the
/// node defaults it (kubelet's seccompDefault does not satisfy `restricted`, as on a cluster), so
/// a manifest accepted here is accepted by a cluster namespace at the same level.
public enum PodSecurityLevel: String, Sendable, Equatable, CaseIterable {
    case privileged, baseline, restricted
}

/// One failed check: PodSecurity admission's reason and detail, and the first field it concerns.
public struct PodSecurityViolation: Sendable, Equatable {
    public var reason: String
    public var detail: String
    public var path: [YAMLPathElement]

    /// `violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "app" must …)`.
    public func message(enforcing level: PodSecurityLevel) -> String {
        "violates PodSecurity \"\(level.rawValue):latest\": \(reason) (\(detail))"
    }
}

extension Pod {
    /// Every check of `level` this pod fails, in PodSecurity admission's order and words.
    public func podSecurityViolations(_ level: PodSecurityLevel) -> [PodSecurityViolation] {
        guard level != .privileged else { return [] }
        var checks = PodSecurityChecks(pod: self)
        checks.run(restricted: level == .restricted)
        return checks.violations
    }
}

/// The capabilities `baseline` lets a container add: Docker's and containerd's default set.
let baselineCapabilities: Set<String> = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]

extension Sysctl {
    /// The safe sysctls: namespaced and without effect on other pods. kubelet sets them without
    /// an allowlist and PodSecurity `baseline` allows exactly these (both lists as of 1.32).
    public static let safe: [String] = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    ]
}

private struct PodSecurityChecks {
    let pod: Pod
    var violations: [PodSecurityViolation] = []

    /// Init containers first, then app containers, each with its field path.
    let containers: [(container: Container, path: [YAMLPathElement])]

    init(pod: Pod) {
        self.pod = pod
        containers = pod.spec.initContainers.enumerated().map { ($1, [.field("spec"), .field("initContainers"), .index($0)]) }
            + pod.spec.containers.enumerated().map { ($1, [.field("spec"), .field("containers"), .index($0)]) }
    }

    private var spec: PodSpec { pod.spec }
    private var podContext: [YAMLPathElement] { [.field("spec"), .field("securityContext")] }

    private mutating func fail(_ reason: String, _ details: [String], at path: [YAMLPathElement]?) {
        guard !details.isEmpty, let path else { return }
        violations.append(PodSecurityViolation(reason: reason, detail: details.joined(separator: "; "), path: path))
    }

    /// `container "a"` / `containers "a", "b"`.
    private func named(_ noun: String, _ names: [String]) -> String {
        "\(names.count == 1 ? noun : noun + "s") \(quoted(names))"
    }

    private func quoted(_ values: [String]) -> String {
        values.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    /// The containers for which `test` holds, their names and the first one's field path.
    private func select(_ field: [YAMLPathElement], _ test: (Container) -> Bool) -> (names: [String], path: [YAMLPathElement]?) {
        let hits = containers.filter { test($0.container) }
        return (hits.map(\.container.name), hits.first.map { $0.path + field })
    }

    /// PodSecurity's checks in the order of their ids, as its messages list them; a restricted
    /// check replaces the baseline check of the same subject.
    mutating func run(restricted: Bool) {
        if restricted { allowPrivilegeEscalation() }
        appArmor()
        if restricted { capabilitiesRestricted() } else { capabilitiesBaseline() }
        hostNamespaces()
        if !restricted { hostPathVolumes() }
        hostPorts()
        privileged()
        if restricted {
            restrictedVolumes()
            runAsNonRoot()
            runAsUser()
            seccompRestricted()
        } else {
            seccompBaseline()
        }
        sysctls()
    }

    // MARK: baseline

    private mutating func hostNamespaces() {
        let set: [(String, Bool)] = [("hostNetwork", spec.hostNetwork), ("hostPID", spec.hostPID), ("hostIPC", spec.hostIPC)]
        let on = set.filter(\.1).map(\.0)
        fail("host namespaces", [on.map { "\($0)=true" }.joined(separator: ", ")].filter { !$0.isEmpty },
             at: on.first.map { [.field("spec"), .field($0)] })
    }

    private mutating func privileged() {
        let bad = select([.field("securityContext"), .field("privileged")]) { $0.securityContext?.privileged == true }
        if !bad.names.isEmpty {
            fail("privileged", ["\(named("container", bad.names)) must not set securityContext.privileged=true"], at: bad.path)
        }
    }

    private mutating func capabilitiesBaseline() {
        let field: [YAMLPathElement] = [.field("securityContext"), .field("capabilities"), .field("add")]
        let bad = select(field) { c in (c.securityContext?.capabilities?.add ?? []).contains { !baselineCapabilities.contains($0) } }
        guard !bad.names.isEmpty else { return }
        let added = Set(containers.flatMap { $0.container.securityContext?.capabilities?.add ?? [] })
            .filter { !baselineCapabilities.contains($0) }.sorted()
        fail("non-default capabilities",
             ["\(named("container", bad.names)) must not include \(quoted(added)) in securityContext.capabilities.add"], at: bad.path)
    }

    private mutating func hostPathVolumes() {
        let hits = spec.volumes.enumerated().filter { $0.element.hostPath != nil }
        if let first = hits.first {
            fail("hostPath volumes", [named("volume", hits.map(\.element.name))],
                 at: [.field("spec"), .field("volumes"), .index(first.offset), .field("hostPath")])
        }
    }

    private mutating func hostPorts() {
        var names: [String] = [], ports: Set<Int32> = [], path: [YAMLPathElement]?
        for (c, p) in containers {
            for (j, port) in c.ports.enumerated() {
                guard let host = port.hostPort, host != 0 else { continue }
                if names.last != c.name { names.append(c.name) }
                ports.insert(host)
                path = path ?? p + [.field("ports"), .index(j), .field("hostPort")]
            }
        }
        let list = ports.map(String.init).sorted()
        if !names.isEmpty {
            fail("hostPort", ["\(named("container", names)) \(names.count == 1 ? "uses" : "use") "
                              + "\(list.count == 1 ? "hostPort" : "hostPorts") \(list.joined(separator: ", "))"], at: path)
        }
    }

    /// The annotation Kubernetes used for AppArmor before the field: only runtime/default and
    /// localhost/… profiles are allowed.
    private mutating func appArmor() {
        let prefix = "container.apparmor.security.beta.kubernetes.io/"
        let bad = pod.metadata.annotations.filter { key, value in
            key.hasPrefix(prefix) && !(value.isEmpty || value == "runtime/default" || value.hasPrefix("localhost/"))
        }.sorted { $0.key < $1.key }
        guard let first = bad.first else { return }
        fail(bad.count == 1 ? "forbidden AppArmor profile" : "forbidden AppArmor profiles",
             [bad.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")],
             at: [.field("metadata"), .field("annotations"), .key(first.key)])
    }

    private mutating func seccompBaseline() {
        let unconfined = unconfinedSeccompSetters()
        fail("seccompProfile", unconfined.detail.map { [$0] } ?? [], at: unconfined.path)
    }

    /// `pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"`.
    private func unconfinedSeccompSetters() -> (detail: String?, path: [YAMLPathElement]?) {
        var setters: [String] = [], path: [YAMLPathElement]?
        if spec.securityContext?.seccompProfile?.type == .unconfined {
            setters.append("pod")
            path = podContext + [.field("seccompProfile"), .field("type")]
        }
        let bad = select([.field("securityContext"), .field("seccompProfile"), .field("type")]) {
            $0.securityContext?.seccompProfile?.type == .unconfined
        }
        if !bad.names.isEmpty { setters.append(named("container", bad.names)) }
        guard !setters.isEmpty else { return (nil, nil) }
        return ("\(setters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \"Unconfined\"", path ?? bad.path)
    }

    private mutating func sysctls() {
        let list = spec.securityContext?.sysctls ?? []
        let bad = list.enumerated().filter { !Sysctl.safe.contains($0.element.name) }
        if let first = bad.first {
            fail("forbidden sysctls", [bad.map(\.element.name).joined(separator: ", ")],
                 at: podContext + [.field("sysctls"), .index(first.offset), .field("name")])
        }
    }

    // MARK: restricted

    private mutating func restrictedVolumes() {
        // Of the volume types swkube supports, only hostPath is outside restricted's set
        // (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret).
        let hits = spec.volumes.enumerated().filter { $0.element.hostPath != nil }
        guard let first = hits.first else { return }
        let plural = hits.count > 1
        fail("restricted volume types",
             ["\(named("volume", hits.map(\.element.name))) \(plural ? "use" : "uses") \(plural ? "restricted volume types" : "restricted volume type") \"hostPath\""],
             at: [.field("spec"), .field("volumes"), .index(first.offset), .field("hostPath")])
    }

    private mutating func allowPrivilegeEscalation() {
        let bad = select([.field("securityContext"), .field("allowPrivilegeEscalation")]) {
            $0.securityContext?.allowPrivilegeEscalation != false
        }
        if !bad.names.isEmpty {
            fail("allowPrivilegeEscalation != false",
                 ["\(named("container", bad.names)) must set securityContext.allowPrivilegeEscalation=false"], at: bad.path)
        }
    }

    private mutating func runAsNonRoot() {
        let podValue = spec.securityContext?.runAsNonRoot
        var setters: [String] = [], details: [String] = [], path: [YAMLPathElement]?
        if podValue == false {
            setters.append("pod")
            path = podContext + [.field("runAsNonRoot")]
        }
        let field: [YAMLPathElement] = [.field("securityContext"), .field("runAsNonRoot")]
        let explicit = select(field) { $0.securityContext?.runAsNonRoot == false }
        if !explicit.names.isEmpty {
            setters.append(named("container", explicit.names))
            path = path ?? explicit.path
        }
        if !setters.isEmpty { details.append("\(setters.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false") }
        if podValue != true {
            let implicit = select(field) { $0.securityContext?.runAsNonRoot == nil }
            if !implicit.names.isEmpty {
                details.append("pod or \(named("container", implicit.names)) must set securityContext.runAsNonRoot=true")
                path = path ?? implicit.path
            }
        }
        fail("runAsNonRoot != true", details, at: path)
    }

    private mutating func runAsUser() {
        var setters: [String] = [], path: [YAMLPathElement]?
        if spec.securityContext?.runAsUser == 0 {
            setters.append("pod")
            path = podContext + [.field("runAsUser")]
        }
        let bad = select([.field("securityContext"), .field("runAsUser")]) { $0.securityContext?.runAsUser == 0 }
        if !bad.names.isEmpty { setters.append(named("container", bad.names)) }
        if !setters.isEmpty {
            fail("runAsUser=0", ["\(setters.joined(separator: " and ")) must not set runAsUser=0"], at: path ?? bad.path)
        }
    }

    private mutating func seccompRestricted() {
        let unconfined = unconfinedSeccompSetters()
        var details = unconfined.detail.map { [$0] } ?? [], path = unconfined.path
        if spec.securityContext?.seccompProfile == nil {
            let implicit = select([.field("securityContext"), .field("seccompProfile"), .field("type")]) {
                $0.securityContext?.seccompProfile == nil
            }
            if !implicit.names.isEmpty {
                details.append("pod or \(named("container", implicit.names)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
                path = path ?? implicit.path
            }
        }
        fail("seccompProfile", details, at: path)
    }

    private mutating func capabilitiesRestricted() {
        let capsField: [YAMLPathElement] = [.field("securityContext"), .field("capabilities")]
        let missingDrop = select(capsField + [.field("drop")]) { !($0.securityContext?.capabilities?.drop ?? []).contains("ALL") }
        let adding = select(capsField + [.field("add")]) {
            ($0.securityContext?.capabilities?.add ?? []).contains { $0 != "NET_BIND_SERVICE" }
        }
        var details: [String] = []
        if !missingDrop.names.isEmpty {
            details.append("\(named("container", missingDrop.names)) must set securityContext.capabilities.drop=[\"ALL\"]")
        }
        if !adding.names.isEmpty {
            let added = Set(containers.flatMap { $0.container.securityContext?.capabilities?.add ?? [] })
                .filter { $0 != "NET_BIND_SERVICE" }.sorted()
            details.append("\(named("container", adding.names)) must not include \(quoted(added)) in securityContext.capabilities.add")
        }
        fail("unrestricted capabilities", details, at: missingDrop.path ?? adding.path)
    }
}
