/// Probes (liveness, readiness, startup) and lifecycle hooks (postStart, preStop).
/// In Kubernetes' JSON the handler is inlined into the probe: `livenessProbe: {httpGet: …, periodSeconds: 5}`.
public struct Probe: Sendable, Equatable, Hashable {
    public var handler: ProbeHandler
    public var initialDelaySeconds: Int32 = 0
    public var timeoutSeconds: Int32 = 1
    public var periodSeconds: Int32 = 10
    public var successThreshold: Int32 = 1
    public var failureThreshold: Int32 = 3
    public var terminationGracePeriodSeconds: Int64?

    public init(handler: ProbeHandler) {
        self.handler = handler
    }
}

/// One of exec, httpGet, tcpSocket (and, for preStop/postStart, sleep); validation checks "one".
public struct ProbeHandler: Sendable, Equatable, Hashable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    /// Lifecycle hooks only.
    public var sleep: SleepAction?

    public init() {}

    var setHandlers: [String] {
        [exec.map { _ in "exec" }, httpGet.map { _ in "httpGet" }, tcpSocket.map { _ in "tcpSocket" },
         sleep.map { _ in "sleep" }].compactMap { $0 }
    }
}

public struct ExecAction: Sendable, Equatable, Hashable {
    public var command: [String] = []

    public init(command: [String]) {
        self.command = command
    }
}

public enum URIScheme: String, Sendable, Equatable, Hashable, CaseIterable, KubeEnum {
    case http = "HTTP"
    case https = "HTTPS"
}

public struct HTTPGetAction: Sendable, Equatable, Hashable {
    public var path: String?
    public var port: IntOrString
    /// Defaults to the pod IP.
    public var host: String?
    public var scheme: URIScheme = .http
    public var httpHeaders: [HTTPHeader] = []

    public init(path: String? = nil, port: IntOrString) {
        self.path = path
        self.port = port
    }
}

public struct HTTPHeader: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct TCPSocketAction: Sendable, Equatable, Hashable, Codable {
    public var port: IntOrString
    public var host: String?

    public init(port: IntOrString) {
        self.port = port
    }
}

public struct SleepAction: Sendable, Equatable, Hashable, Codable {
    public var seconds: Int64

    public init(seconds: Int64) {
        self.seconds = seconds
    }
}

public struct Lifecycle: Sendable, Equatable, Hashable, Codable {
    public var postStart: ProbeHandler?
    public var preStop: ProbeHandler?

    public init() {}

    enum CodingKeys: String, CodingKey { case postStart, preStop }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["stopSignal"])
        postStart = try c.decodeIfPresent(ProbeHandler.self, forKey: .postStart)
        preStop = try c.decodeIfPresent(ProbeHandler.self, forKey: .preStop)
    }
}

// MARK: Codable

extension Probe: Codable {
    enum CodingKeys: String, CodingKey {
        case initialDelaySeconds, timeoutSeconds, periodSeconds, successThreshold, failureThreshold
        case terminationGracePeriodSeconds
    }

    public init(from decoder: any Decoder) throws {
        handler = try ProbeHandler(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        initialDelaySeconds = try c.value(.initialDelaySeconds, default: 0)
        timeoutSeconds = try c.value(.timeoutSeconds, default: 1)
        periodSeconds = try c.value(.periodSeconds, default: 10)
        successThreshold = try c.value(.successThreshold, default: 1)
        failureThreshold = try c.value(.failureThreshold, default: 3)
        terminationGracePeriodSeconds = try c.decodeIfPresent(Int64.self, forKey: .terminationGracePeriodSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        try handler.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(initialDelaySeconds, forKey: .initialDelaySeconds)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(periodSeconds, forKey: .periodSeconds)
        try c.encode(successThreshold, forKey: .successThreshold)
        try c.encode(failureThreshold, forKey: .failureThreshold)
        try c.encodeIfPresent(terminationGracePeriodSeconds, forKey: .terminationGracePeriodSeconds)
    }
}

extension ProbeHandler: Codable {
    enum CodingKeys: String, CodingKey { case exec, httpGet, tcpSocket, sleep }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnsupported(decoder, ["grpc"])
        exec = try c.decodeIfPresent(ExecAction.self, forKey: .exec)
        httpGet = try c.decodeIfPresent(HTTPGetAction.self, forKey: .httpGet)
        tcpSocket = try c.decodeIfPresent(TCPSocketAction.self, forKey: .tcpSocket)
        sleep = try c.decodeIfPresent(SleepAction.self, forKey: .sleep)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(exec, forKey: .exec)
        try c.encodeIfPresent(httpGet, forKey: .httpGet)
        try c.encodeIfPresent(tcpSocket, forKey: .tcpSocket)
        try c.encodeIfPresent(sleep, forKey: .sleep)
    }
}

extension ExecAction: Codable {
    enum CodingKeys: String, CodingKey { case command }

    public init(from decoder: any Decoder) throws {
        command = try decoder.container(keyedBy: CodingKeys.self).list(.command)
    }
}

extension HTTPGetAction: Codable {
    enum CodingKeys: String, CodingKey { case path, port, host, scheme, httpHeaders }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        port = try c.decode(IntOrString.self, forKey: .port)
        host = try c.decodeIfPresent(String.self, forKey: .host)
        scheme = try c.value(.scheme, default: .http)
        httpHeaders = try c.list(.httpHeaders)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encode(port, forKey: .port)
        try c.encodeIfPresent(host, forKey: .host)
        try c.encode(scheme, forKey: .scheme)
        try c.encodeNonEmpty(httpHeaders, forKey: .httpHeaders)
    }
}
