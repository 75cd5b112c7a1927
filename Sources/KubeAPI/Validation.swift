import SwkYAML

/// One validation failure: the field path (`spec.containers[0].image`) and a lowercase message
/// naming the value, in the API server's words where it has them.
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: [YAMLPathElement]
    public var message: String

    public var description: String { "\(path.fieldPath): \(message)" }
}

/// Collects issues while walking a Pod; `at` builds paths fluently.
struct Validator {
    var issues: [ValidationIssue] = []

    mutating func fail(_ path: [YAMLPathElement], _ message: String) {
        issues.append(ValidationIssue(path: path, message: message))
    }

    mutating func required(_ value: String, _ path: [YAMLPathElement]) -> Bool {
        if value.isEmpty { fail(path, "required value") }
        return !value.isEmpty
    }

    mutating func range<I: BinaryInteger>(_ value: I, _ path: [YAMLPathElement], _ low: I, _ high: I) {
        if value < low || value > high { fail(path, "invalid value \(value): must be between \(low) and \(high), inclusive") }
    }

    mutating func atLeast<I: BinaryInteger>(_ value: I, _ path: [YAMLPathElement], _ low: I) {
        if value < low { fail(path, "invalid value \(value): must be greater than or equal to \(low)") }
    }

    mutating func name(_ value: String, _ path: [YAMLPathElement], subdomain: Bool) {
        guard required(value, path) else { return }
        if subdomain, !NameRules.isDNS1123Subdomain(value) {
            fail(path, "invalid value \"\(value)\": \(NameRules.dns1123SubdomainMessage)")
        } else if !subdomain, !NameRules.isDNS1123Label(value) {
            fail(path, "invalid value \"\(value)\": \(NameRules.dns1123LabelMessage)")
        }
    }

    mutating func oneOf(_ value: String, _ allowed: [String], _ path: [YAMLPathElement]) {
        if !allowed.contains(value) {
            fail(path, "invalid value \"\(value)\": must be one of \(allowed.joined(separator: ", "))")
        }
    }
}

extension Pod {
    /// Checks the rules the Kubernetes API server applies to a Pod (after defaulting), for the
    /// fields swkube models. Returns every issue, in field order; empty means valid.
    public func validate() -> [ValidationIssue] {
        var v = Validator()
        if apiVersion != "v1" { v.fail([.field("apiVersion")], "invalid value \"\(apiVersion)\": must be v1 for kind Pod") }
        if kind != "Pod" { v.fail([.field("kind")], "invalid value \"\(kind)\": must be Pod") }
        metadata.validate(into: &v, [.field("metadata")], nameIsSubdomain: true)
        spec.validate(into: &v, [.field("spec")])
        return v.issues
    }
}

extension ObjectMeta {
    func validate(into v: inout Validator, _ path: [YAMLPathElement], nameIsSubdomain: Bool) {
        v.name(name, path + [.field("name")], subdomain: nameIsSubdomain)
        v.name(namespace, path + [.field("namespace")], subdomain: false)
        for key in labels.keys.sorted() {
            let p = path + [.field("labels"), .key(key)]
            if !NameRules.isQualifiedName(key) { v.fail(p, "invalid label key \"\(key)\": \(NameRules.qualifiedNameMessage)") }
            if let value = labels[key], !NameRules.isLabelValue(value) {
                v.fail(p, "invalid value \"\(value)\": \(NameRules.labelValueMessage)")
            }
        }
        for key in annotations.keys.sorted() where !NameRules.isQualifiedName(key) {
            v.fail(path + [.field("annotations"), .key(key)], "invalid annotation key \"\(key)\": \(NameRules.qualifiedNameMessage)")
        }
        let annotationBytes = annotations.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if annotationBytes > 256 * 1024 {
            v.fail(path + [.field("annotations")], "too long: must have at most 262144 bytes")
        }
    }
}

extension PodSpec {
    func validate(into v: inout Validator, _ path: [YAMLPathElement]) {
        let volumeNames = validateVolumes(into: &v, path + [.field("volumes")])
        if containers.isEmpty { v.fail(path + [.field("containers")], "required value") }
        var names: Set<String> = []
        var hostPorts: Set<String> = []
        for (field, list) in [("initContainers", initContainers), ("containers", containers)] {
            for (i, container) in list.enumerated() {
                let p = path + [.field(field), .index(i)]
                container.validate(into: &v, p, isInit: field == "initContainers", volumes: volumeNames, pod: self)
                if !container.name.isEmpty, !names.insert(container.name).inserted {
                    v.fail(p + [.field("name")], "duplicate value \"\(container.name)\"")
                }
                for (j, port) in container.ports.enumerated() {
                    guard let hostPort = port.hostPort, hostPort != 0 else { continue }
                    if !hostPorts.insert("\(hostPort)/\(port.protocol)").inserted {
                        v.fail(p + [.field("ports"), .index(j), .field("hostPort")], "duplicate value \"\(hostPort)/\(port.protocol)\"")
                    }
                }
            }
        }
        v.atLeast(terminationGracePeriodSeconds, path + [.field("terminationGracePeriodSeconds")], 0)
        if let deadline = activeDeadlineSeconds {
            v.range(deadline, path + [.field("activeDeadlineSeconds")], 1, Int64(Int32.max))
        }
        if let hostname { v.name(hostname, path + [.field("hostname")], subdomain: false) }
        if let subdomain { v.name(subdomain, path + [.field("subdomain")], subdomain: false) }
        validateDNS(into: &v, path)
        if let sc = securityContext { sc.validate(into: &v, path + [.field("securityContext")]) }
    }

    private func validateDNS(into v: inout Validator, _ path: [YAMLPathElement]) {
        if dnsPolicy == .none, (dnsConfig?.nameservers ?? []).isEmpty {
            v.fail(path + [.field("dnsConfig"), .field("nameservers")],
                   "required value: must provide at least one DNS nameserver when dnsPolicy is None")
        }
        guard let dns = dnsConfig else { return }
        let p = path + [.field("dnsConfig")]
        if dns.nameservers.count > 3 {
            v.fail(p + [.field("nameservers")], "too many: \(dns.nameservers.count): must have at most 3 items")
        }
        for (i, server) in dns.nameservers.enumerated() where !isIPAddress(server) {
            v.fail(p + [.field("nameservers"), .index(i)], "invalid value \"\(server)\": must be a valid IP address")
        }
        if dns.searches.count > 32 {
            v.fail(p + [.field("searches")], "too many: \(dns.searches.count): must have at most 32 items")
        }
        for (i, search) in dns.searches.enumerated() {
            let domain = search.hasSuffix(".") ? String(search.dropLast()) : search
            if !NameRules.isDNS1123Subdomain(domain) {
                v.fail(p + [.field("searches"), .index(i)], "invalid value \"\(search)\": \(NameRules.dns1123SubdomainMessage)")
            }
        }
        for (i, option) in dns.options.enumerated() {
            _ = v.required(option.name, p + [.field("options"), .index(i), .field("name")])
        }
    }

    /// Validates the volumes and returns their names, for the volumeMount check.
    private func validateVolumes(into v: inout Validator, _ path: [YAMLPathElement]) -> Set<String> {
        var names: Set<String> = []
        for (i, volume) in volumes.enumerated() {
            let p = path + [.index(i)]
            v.name(volume.name, p + [.field("name")], subdomain: false)
            if !volume.name.isEmpty, !names.insert(volume.name).inserted {
                v.fail(p + [.field("name")], "duplicate value \"\(volume.name)\"")
            }
            let sources = volume.setSources
            if sources.isEmpty {
                v.fail(p, "must specify a volume type (hostPath, emptyDir, configMap or secret)")
            } else if sources.count > 1 {
                v.fail(p + [.field(sources[1])], "may not specify more than 1 volume type")
            }
            if let hostPath = volume.hostPath {
                let hp = p + [.field("hostPath")]
                if v.required(hostPath.path, hp + [.field("path")]), !hostPath.path.hasPrefix("/") || hostPath.path.split(separator: "/").contains("..") {
                    v.fail(hp + [.field("path")], "invalid value \"\(hostPath.path)\": must be an absolute path without '..'")
                }
                if let type = hostPath.type {
                    v.oneOf(type, ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"],
                            hp + [.field("type")])
                }
            }
            if let emptyDir = volume.emptyDir {
                if let medium = emptyDir.medium, medium != "", medium != "Memory" {
                    v.fail(p + [.field("emptyDir"), .field("medium")], "invalid value \"\(medium)\": must be one of \"\", Memory")
                }
                if let limit = emptyDir.sizeLimit { v.atLeast(limit.value, p + [.field("emptyDir"), .field("sizeLimit")], 0) }
            }
            if let cm = volume.configMap {
                let cp = p + [.field("configMap")]
                v.name(cm.name, cp + [.field("name")], subdomain: true)
                validateProjection(cm.items, cm.defaultMode, into: &v, cp)
            }
            if let secret = volume.secret {
                let sp = p + [.field("secret")]
                v.name(secret.secretName, sp + [.field("secretName")], subdomain: true)
                validateProjection(secret.items, secret.defaultMode, into: &v, sp)
            }
        }
        return names
    }

    private func validateProjection(_ items: [KeyToPath], _ defaultMode: Int32, into v: inout Validator, _ path: [YAMLPathElement]) {
        let modeMessage = "must be a number between 0 and 0777 (octal), both inclusive"
        if defaultMode < 0 || defaultMode > 0o777 {
            v.fail(path + [.field("defaultMode")], "invalid value \(defaultMode): \(modeMessage)")
        }
        for (i, item) in items.enumerated() {
            let p = path + [.field("items"), .index(i)]
            if v.required(item.key, p + [.field("key")]), !NameRules.isConfigKey(item.key) {
                v.fail(p + [.field("key")], "invalid value \"\(item.key)\": \(NameRules.configKeyMessage)")
            }
            if v.required(item.path, p + [.field("path")]), !NameRules.isSafeRelativePath(item.path) {
                v.fail(p + [.field("path")], "invalid value \"\(item.path)\": must be a relative path without '..'")
            }
            if let mode = item.mode, mode < 0 || mode > 0o777 {
                v.fail(p + [.field("mode")], "invalid value \(mode): \(modeMessage)")
            }
        }
    }
}

extension PodSecurityContext {
    func validate(into v: inout Validator, _ path: [YAMLPathElement]) {
        for (field, id) in [("runAsUser", runAsUser), ("runAsGroup", runAsGroup), ("fsGroup", fsGroup)] {
            if let id { v.range(id, path + [.field(field)], 0, Int64(Int32.max)) }
        }
        for (i, group) in supplementalGroups.enumerated() {
            v.range(group, path + [.field("supplementalGroups"), .index(i)], 0, Int64(Int32.max))
        }
        for (i, sysctl) in sysctls.enumerated() {
            let p = path + [.field("sysctls"), .index(i), .field("name")]
            let valid = sysctl.name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && $0.allSatisfy { c in c.isASCII && (c.isLowercase || c.isNumber || c == "_" || c == "-") }
            }
            if v.required(sysctl.name, p), !valid { v.fail(p, "invalid value \"\(sysctl.name)\": must be a sysctl name such as net.ipv4.ip_forward") }
        }
        seccompProfile?.validate(into: &v, path + [.field("seccompProfile")])
    }
}

extension SeccompProfile {
    func validate(into v: inout Validator, _ path: [YAMLPathElement]) {
        if type == .localhost, (localhostProfile ?? "").isEmpty {
            v.fail(path + [.field("localhostProfile")], "required value: must be set when seccomp type is Localhost")
        } else if type != .localhost, localhostProfile != nil {
            v.fail(path + [.field("localhostProfile")], "must only be set when seccomp type is Localhost")
        }
    }
}

/// IPv4 dotted quad or an IPv6 address (hex groups and colons, at most one `::`).
public func isIPAddress(_ s: String) -> Bool {
    let quads = s.split(separator: ".", omittingEmptySubsequences: false)
    if quads.count == 4 { return quads.allSatisfy { q in q.count <= 3 && UInt8(q) != nil } }
    guard s.contains(":"), s.count <= 45 else { return false }
    let doubleColons = s.ranges(of: "::").count
    let groups = s.split(separator: ":", omittingEmptySubsequences: true)
    return doubleColons <= 1 && groups.count <= 8 && (groups.count == 8 || doubleColons == 1)
        && groups.allSatisfy { g in g.count <= 4 && UInt16(g, radix: 16) != nil }
}
