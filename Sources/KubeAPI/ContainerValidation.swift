import SwkYAML

extension Container {
    /// The fieldRef paths the downward API offers (env valueFrom.fieldRef.fieldPath).
    static let fieldRefPaths = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                                "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP",
                                "status.podIPs"]
    static let resourceNames = ["cpu", "memory", "ephemeral-storage"]

    func validate(into v: inout Validator, _ path: [YAMLPathElement], isInit: Bool, volumes: Set<String>, pod: PodSpec) {
        v.name(name, path + [.field("name")], subdomain: false)
        if v.required(image, path + [.field("image")]), (image.first?.isWhitespace == true || image.last?.isWhitespace == true) {
            v.fail(path + [.field("image")], "invalid value \"\(image)\": must not have leading or trailing whitespace")
        }
        validatePorts(into: &v, path + [.field("ports")], hostNetwork: pod.hostNetwork)
        validateEnv(into: &v, path)
        validateResources(into: &v, path + [.field("resources")])
        validateMounts(into: &v, path + [.field("volumeMounts")], volumes: volumes)
        if let sc = securityContext { sc.validate(into: &v, path + [.field("securityContext")]) }

        let isSidecar = isInit && restartPolicy == .always
        if let policy = restartPolicy {
            if !isInit {
                v.fail(path + [.field("restartPolicy")], "forbidden: may only be set on init containers (sidecars); use spec.restartPolicy")
            } else if policy != .always {
                v.fail(path + [.field("restartPolicy")], "invalid value \"\(policy.rawValue)\": must be Always")
            }
        }
        for (field, probe) in [("livenessProbe", livenessProbe), ("readinessProbe", readinessProbe), ("startupProbe", startupProbe)] {
            guard let probe else { continue }
            let p = path + [.field(field)]
            if isInit && !isSidecar {
                v.fail(p, "forbidden: may not be set for init containers without restartPolicy=Always")
                continue
            }
            probe.validate(into: &v, p, mustSucceedOnce: field != "readinessProbe")
        }
        if let lifecycle {
            let p = path + [.field("lifecycle")]
            if isInit && !isSidecar {
                v.fail(p, "forbidden: may not be set for init containers without restartPolicy=Always")
            } else {
                for (hook, handler) in [("postStart", lifecycle.postStart), ("preStop", lifecycle.preStop)] {
                    handler?.validate(into: &v, p + [.field(hook)], allowSleep: true)
                }
            }
        }
        for (field, on) in [("stdin", stdin), ("tty", tty)] where on {
            v.fail(path + [.field(field)], "invalid value true: not supported by swkube")
        }
    }

    private func validatePorts(into v: inout Validator, _ path: [YAMLPathElement], hostNetwork: Bool) {
        var portNames: Set<String> = []
        for (i, port) in ports.enumerated() {
            let p = path + [.index(i)]
            v.range(port.containerPort, p + [.field("containerPort")], 1, 65535)
            if let hostPort = port.hostPort, hostPort != 0 {
                v.range(hostPort, p + [.field("hostPort")], 1, 65535)
                if hostNetwork, hostPort != port.containerPort {
                    v.fail(p + [.field("hostPort")], "invalid value \(hostPort): must match containerPort when hostNetwork is true")
                }
            }
            v.oneOf(port.protocol, ["TCP", "UDP", "SCTP"], p + [.field("protocol")])
            if let portName = port.name {
                if !NameRules.isPortName(portName) {
                    v.fail(p + [.field("name")], "invalid value \"\(portName)\": \(NameRules.portNameMessage)")
                } else if !portNames.insert(portName).inserted {
                    v.fail(p + [.field("name")], "duplicate value \"\(portName)\"")
                }
            }
        }
    }

    private func validateEnv(into v: inout Validator, _ path: [YAMLPathElement]) {
        for (i, variable) in env.enumerated() {
            let p = path + [.field("env"), .index(i)]
            if v.required(variable.name, p + [.field("name")]), !NameRules.isEnvVarName(variable.name) {
                v.fail(p + [.field("name")], "invalid value \"\(variable.name)\": \(NameRules.envVarNameMessage)")
            }
            guard let source = variable.valueFrom else { continue }
            let sp = p + [.field("valueFrom")]
            if !variable.value.isEmpty { v.fail(sp, "may not be specified when `value` is not empty") }
            let set = [source.fieldRef.map { _ in "fieldRef" }, source.resourceFieldRef.map { _ in "resourceFieldRef" },
                       source.configMapKeyRef.map { _ in "configMapKeyRef" }, source.secretKeyRef.map { _ in "secretKeyRef" }]
                .compactMap { $0 }
            if set.isEmpty { v.fail(sp, "must specify one of: fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef") }
            if set.count > 1 { v.fail(sp + [.field(set[1])], "may not have more than one field specified at a time") }
            if let ref = source.fieldRef { validateFieldRef(ref, into: &v, sp + [.field("fieldRef")]) }
            if let ref = source.resourceFieldRef {
                let allowed = ["limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory",
                               "requests.ephemeral-storage"]
                v.oneOf(ref.resource, allowed, sp + [.field("resourceFieldRef"), .field("resource")])
            }
            for (field, ref) in [("configMapKeyRef", source.configMapKeyRef), ("secretKeyRef", source.secretKeyRef)] {
                guard let ref else { continue }
                let rp = sp + [.field(field)]
                v.name(ref.name, rp + [.field("name")], subdomain: true)
                if v.required(ref.key, rp + [.field("key")]), !NameRules.isConfigKey(ref.key) {
                    v.fail(rp + [.field("key")], "invalid value \"\(ref.key)\": \(NameRules.configKeyMessage)")
                }
            }
        }
        for (i, source) in envFrom.enumerated() {
            let p = path + [.field("envFrom"), .index(i)]
            switch (source.configMapRef, source.secretRef) {
            case (nil, nil): v.fail(p, "must specify one of: configMapRef or secretRef")
            case (.some, .some): v.fail(p + [.field("secretRef")], "may not have more than one field specified at a time")
            default: break
            }
            if let ref = source.configMapRef { v.name(ref.name, p + [.field("configMapRef"), .field("name")], subdomain: true) }
            if let ref = source.secretRef { v.name(ref.name, p + [.field("secretRef"), .field("name")], subdomain: true) }
            if let prefix = source.prefix, !prefix.isEmpty, !NameRules.isEnvVarName(prefix) {
                v.fail(p + [.field("prefix")], "invalid value \"\(prefix)\": \(NameRules.envVarNameMessage)")
            }
        }
    }

    private func validateFieldRef(_ ref: ObjectFieldSelector, into v: inout Validator, _ path: [YAMLPathElement]) {
        if ref.apiVersion != "v1" {
            v.fail(path + [.field("apiVersion")], "invalid value \"\(ref.apiVersion)\": must be v1")
        }
        let field = ref.fieldPath
        let isMapEntry = ["metadata.labels['", "metadata.annotations['"].contains { field.hasPrefix($0) } && field.hasSuffix("']")
        if isMapEntry, let open = field.firstIndex(of: "'"), let close = field.lastIndex(of: "'"), open < close {
            let key = String(field[field.index(after: open)..<close])
            if !NameRules.isQualifiedName(key) {
                v.fail(path + [.field("fieldPath")], "invalid value \"\(field)\": key \"\(key)\" \(NameRules.qualifiedNameMessage)")
            }
        }
        if v.required(field, path + [.field("fieldPath")]), !isMapEntry, !Container.fieldRefPaths.contains(field) {
            v.fail(path + [.field("fieldPath")],
                   "invalid value \"\(field)\": must be one of metadata.labels['<key>'], metadata.annotations['<key>'], "
                   + Container.fieldRefPaths.joined(separator: ", "))
        }
    }

    private func validateResources(into v: inout Validator, _ path: [YAMLPathElement]) {
        for (field, quantities) in [("limits", resources.limits), ("requests", resources.requests)] {
            for key in quantities.keys.sorted() {
                let p = path + [.field(field), .key(key)]
                v.oneOf(key, Container.resourceNames, p)
                if let q = quantities[key], q.value < 0 || q.milliValue < 0 {
                    v.fail(p, "invalid value \"\(q.text)\": must be greater than or equal to 0")
                }
            }
        }
        for key in resources.requests.keys.sorted() {
            guard let request = resources.requests[key], let limit = resources.limits[key] else { continue }
            if request.milliValue > limit.milliValue {
                v.fail(path + [.field("requests"), .key(key)],
                       "invalid value \"\(request.text)\": must be less than or equal to \(key) limit of \(limit.text)")
            }
        }
    }

    private func validateMounts(into v: inout Validator, _ path: [YAMLPathElement], volumes: Set<String>) {
        var mountPaths: Set<String> = []
        for (i, mount) in volumeMounts.enumerated() {
            let p = path + [.index(i)]
            if v.required(mount.name, p + [.field("name")]), !volumes.contains(mount.name) {
                v.fail(p + [.field("name")], "not found: no volume named \"\(mount.name)\" in spec.volumes")
            }
            if v.required(mount.mountPath, p + [.field("mountPath")]) {
                if !mount.mountPath.hasPrefix("/") {
                    v.fail(p + [.field("mountPath")], "invalid value \"\(mount.mountPath)\": must be an absolute path")
                } else if !mountPaths.insert(mount.mountPath).inserted {
                    v.fail(p + [.field("mountPath")], "invalid value \"\(mount.mountPath)\": must be unique")
                }
            }
            if let subPath = mount.subPath, !NameRules.isSafeRelativePath(subPath) {
                v.fail(p + [.field("subPath")], "invalid value \"\(subPath)\": must be a relative path without '..'")
            }
            if let propagation = mount.mountPropagation {
                v.oneOf(propagation, ["None", "HostToContainer", "Bidirectional"], p + [.field("mountPropagation")])
                if propagation == "Bidirectional", securityContext?.privileged != true {
                    v.fail(p + [.field("mountPropagation")], "forbidden: Bidirectional mount propagation is available only to privileged containers")
                }
            }
        }
    }
}

extension SecurityContext {
    func validate(into v: inout Validator, _ path: [YAMLPathElement]) {
        for (field, id) in [("runAsUser", runAsUser), ("runAsGroup", runAsGroup)] {
            if let id { v.range(id, path + [.field(field)], 0, Int64(Int32.max)) }
        }
        if privileged == true, allowPrivilegeEscalation == false {
            v.fail(path, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
        }
        seccompProfile?.validate(into: &v, path + [.field("seccompProfile")])
    }
}

extension Probe {
    func validate(into v: inout Validator, _ path: [YAMLPathElement], mustSucceedOnce: Bool) {
        handler.validate(into: &v, path, allowSleep: false)
        v.atLeast(initialDelaySeconds, path + [.field("initialDelaySeconds")], 0)
        v.atLeast(timeoutSeconds, path + [.field("timeoutSeconds")], 1)
        v.atLeast(periodSeconds, path + [.field("periodSeconds")], 1)
        v.atLeast(successThreshold, path + [.field("successThreshold")], 1)
        v.atLeast(failureThreshold, path + [.field("failureThreshold")], 1)
        if mustSucceedOnce, successThreshold != 1 {
            v.fail(path + [.field("successThreshold")], "invalid value \(successThreshold): must be 1")
        }
        if let grace = terminationGracePeriodSeconds {
            v.atLeast(grace, path + [.field("terminationGracePeriodSeconds")], 1)
        }
    }
}

extension ProbeHandler {
    func validate(into v: inout Validator, _ path: [YAMLPathElement], allowSleep: Bool) {
        let set = setHandlers
        if set.isEmpty { v.fail(path, "must specify a handler type (exec, httpGet or tcpSocket)") }
        if set.count > 1 { v.fail(path + [.field(set[1])], "may not specify more than 1 handler type") }
        if let exec, exec.command.isEmpty { v.fail(path + [.field("exec"), .field("command")], "required value") }
        if let httpGet {
            let p = path + [.field("httpGet")]
            validatePort(httpGet.port, into: &v, p + [.field("port")])
            if let requestPath = httpGet.path, !requestPath.isEmpty, !requestPath.hasPrefix("/") {
                v.fail(p + [.field("path")], "invalid value \"\(requestPath)\": must be an absolute path")
            }
        }
        if let tcpSocket { validatePort(tcpSocket.port, into: &v, path + [.field("tcpSocket"), .field("port")]) }
        if let sleep {
            if !allowSleep { v.fail(path + [.field("sleep")], "forbidden: sleep is only valid in lifecycle hooks") }
            v.atLeast(sleep.seconds, path + [.field("sleep"), .field("seconds")], 0)
        }
    }

    private func validatePort(_ port: IntOrString, into v: inout Validator, _ path: [YAMLPathElement]) {
        switch port {
        case .int(let n): v.range(n, path, 1, 65535)
        case .string(let name):
            if !NameRules.isPortName(name) { v.fail(path, "invalid value \"\(name)\": \(NameRules.portNameMessage)") }
        }
    }
}
