/// Codable conformances of Container and its parts (defaults applied while decoding).

extension Container: Codable {
    enum CodingKeys: String, CodingKey {
        case name, image, imagePullPolicy, command, args, workingDir, env, envFrom, ports, resources
        case volumeMounts, securityContext, livenessProbe, readinessProbe, startupProbe, lifecycle
        case restartPolicy, stdin, tty
    }

    /// Container fields whose effect swkube cannot provide.
    static let unsupported = ["volumeDevices", "resizePolicy", "stdinOnce"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, Self.unsupported)
        name = try c.value(.name, default: "")
        image = try c.value(.image, default: "")
        imagePullPolicy = try c.decodeIfPresent(PullPolicy.self, forKey: .imagePullPolicy)
            ?? Container.defaultPullPolicy(image: image)
        command = try c.list(.command)
        args = try c.list(.args)
        workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir)
        env = try c.list(.env)
        envFrom = try c.list(.envFrom)
        ports = try c.list(.ports)
        resources = try c.value(.resources, default: ResourceRequirements())
        volumeMounts = try c.list(.volumeMounts)
        securityContext = try c.decodeIfPresent(SecurityContext.self, forKey: .securityContext)
        livenessProbe = try c.decodeIfPresent(Probe.self, forKey: .livenessProbe)
        readinessProbe = try c.decodeIfPresent(Probe.self, forKey: .readinessProbe)
        startupProbe = try c.decodeIfPresent(Probe.self, forKey: .startupProbe)
        lifecycle = try c.decodeIfPresent(Lifecycle.self, forKey: .lifecycle)
        restartPolicy = try c.decodeIfPresent(RestartPolicy.self, forKey: .restartPolicy)
        stdin = try c.value(.stdin, default: false)
        tty = try c.value(.tty, default: false)
        // Defaults the API server writes back; the termination message file is not used here.
        try consume(decoder, ["terminationMessagePath", "terminationMessagePolicy"])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(image, forKey: .image)
        try c.encode(imagePullPolicy, forKey: .imagePullPolicy)
        try c.encodeNonEmpty(command, forKey: .command)
        try c.encodeNonEmpty(args, forKey: .args)
        try c.encodeIfPresent(workingDir, forKey: .workingDir)
        try c.encodeNonEmpty(env, forKey: .env)
        try c.encodeNonEmpty(envFrom, forKey: .envFrom)
        try c.encodeNonEmpty(ports, forKey: .ports)
        if !resources.limits.isEmpty || !resources.requests.isEmpty { try c.encode(resources, forKey: .resources) }
        try c.encodeNonEmpty(volumeMounts, forKey: .volumeMounts)
        try c.encodeIfPresent(securityContext, forKey: .securityContext)
        try c.encodeIfPresent(livenessProbe, forKey: .livenessProbe)
        try c.encodeIfPresent(readinessProbe, forKey: .readinessProbe)
        try c.encodeIfPresent(startupProbe, forKey: .startupProbe)
        try c.encodeIfPresent(lifecycle, forKey: .lifecycle)
        try c.encodeIfPresent(restartPolicy, forKey: .restartPolicy)
        try c.encodeIfTrue(stdin, forKey: .stdin)
        try c.encodeIfTrue(tty, forKey: .tty)
    }
}

extension EnvVar: Codable {
    enum CodingKeys: String, CodingKey { case name, value, valueFrom }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.value(.name, default: "")
        value = try c.value(.value, default: "")
        valueFrom = try c.decodeIfPresent(EnvVarSource.self, forKey: .valueFrom)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if !value.isEmpty { try c.encode(value, forKey: .value) }
        try c.encodeIfPresent(valueFrom, forKey: .valueFrom)
    }
}

extension ObjectFieldSelector: Codable {
    enum CodingKeys: String, CodingKey { case apiVersion, fieldPath }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.value(.apiVersion, default: "v1")
        fieldPath = try c.decode(String.self, forKey: .fieldPath)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(apiVersion, forKey: .apiVersion)
        try c.encode(fieldPath, forKey: .fieldPath)
    }
}

extension ContainerPort: Codable {
    enum CodingKeys: String, CodingKey { case name, containerPort, hostPort, `protocol` }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["hostIP"])
        name = try c.decodeIfPresent(String.self, forKey: .name)
        containerPort = try c.value(.containerPort, default: 0)
        hostPort = try c.decodeIfPresent(Int32.self, forKey: .hostPort)
        `protocol` = try c.value(.protocol, default: "TCP")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(containerPort, forKey: .containerPort)
        try c.encodeIfPresent(hostPort, forKey: .hostPort)
        try c.encode(`protocol`, forKey: .protocol)
    }
}

extension ResourceRequirements: Codable {
    enum CodingKeys: String, CodingKey { case limits, requests }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["claims"])
        limits = try c.map(.limits)
        requests = try c.map(.requests)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNonEmpty(limits, forKey: .limits)
        try c.encodeNonEmpty(requests, forKey: .requests)
    }
}

extension VolumeMount: Codable {
    enum CodingKeys: String, CodingKey { case name, mountPath, readOnly, subPath, mountPropagation }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["subPathExpr", "recursiveReadOnly"])
        name = try c.value(.name, default: "")
        mountPath = try c.value(.mountPath, default: "")
        readOnly = try c.value(.readOnly, default: false)
        subPath = try c.decodeIfPresent(String.self, forKey: .subPath)
        mountPropagation = try c.decodeIfPresent(String.self, forKey: .mountPropagation)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(mountPath, forKey: .mountPath)
        try c.encodeIfTrue(readOnly, forKey: .readOnly)
        try c.encodeIfPresent(subPath, forKey: .subPath)
        try c.encodeIfPresent(mountPropagation, forKey: .mountPropagation)
    }
}

extension SecurityContext: Codable {
    enum CodingKeys: String, CodingKey {
        case runAsUser, runAsGroup, runAsNonRoot, readOnlyRootFilesystem, privileged
        case allowPrivilegeEscalation, capabilities, seccompProfile
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["procMount", "seLinuxOptions", "windowsOptions", "appArmorProfile"])
        runAsUser = try c.decodeIfPresent(Int64.self, forKey: .runAsUser)
        runAsGroup = try c.decodeIfPresent(Int64.self, forKey: .runAsGroup)
        runAsNonRoot = try c.decodeIfPresent(Bool.self, forKey: .runAsNonRoot)
        readOnlyRootFilesystem = try c.decodeIfPresent(Bool.self, forKey: .readOnlyRootFilesystem)
        privileged = try c.decodeIfPresent(Bool.self, forKey: .privileged)
        allowPrivilegeEscalation = try c.decodeIfPresent(Bool.self, forKey: .allowPrivilegeEscalation)
        capabilities = try c.decodeIfPresent(Capabilities.self, forKey: .capabilities)
        seccompProfile = try c.decodeIfPresent(SeccompProfile.self, forKey: .seccompProfile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(runAsUser, forKey: .runAsUser)
        try c.encodeIfPresent(runAsGroup, forKey: .runAsGroup)
        try c.encodeIfPresent(runAsNonRoot, forKey: .runAsNonRoot)
        try c.encodeIfPresent(readOnlyRootFilesystem, forKey: .readOnlyRootFilesystem)
        try c.encodeIfPresent(privileged, forKey: .privileged)
        try c.encodeIfPresent(allowPrivilegeEscalation, forKey: .allowPrivilegeEscalation)
        try c.encodeIfPresent(capabilities, forKey: .capabilities)
        try c.encodeIfPresent(seccompProfile, forKey: .seccompProfile)
    }
}

extension Capabilities: Codable {
    enum CodingKeys: String, CodingKey { case add, drop }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        add = try c.list(.add)
        drop = try c.list(.drop)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeNonEmpty(add, forKey: .add)
        try c.encodeNonEmpty(drop, forKey: .drop)
    }
}
