import CRI
import Glibc
import KubeAPI
import SwkSupport

/// Where a probe or hook of one container connects and execs.
public struct HandlerTarget: Sendable, Equatable {
    public var containerID: String
    /// The pod's sandbox: a pod without a routable IP is reached through the runtime's port forward.
    public var podSandboxID: String
    public var podIP: String
    public var hostNetwork: Bool
    public var ports: [ContainerPort]

    public init(containerID: String, podSandboxID: String, podIP: String, hostNetwork: Bool, ports: [ContainerPort]) {
        self.containerID = containerID
        self.podSandboxID = podSandboxID
        self.podIP = podIP
        self.hostNetwork = hostNetwork
        self.ports = ports
    }
}

/// The outcome of one probe or hook run.
public struct HandlerResult: Sendable, Equatable {
    public var success: Bool
    public var message: String

    public static let ok = HandlerResult(success: true, message: "")
    public static func failed(_ message: String) -> HandlerResult { HandlerResult(success: false, message: message) }
}

/// Runs probe and lifecycle-hook handlers as kubelet does: exec through the runtime (exit 0 is
/// success), tcpSocket (a connect), httpGet (a status from 200 to 399), sleep.
public struct HandlerRunner: Sendable {
    let runtime: any RuntimeService
    let clock: any NodeClock

    public init(runtime: any RuntimeService, clock: any NodeClock) {
        self.runtime = runtime
        self.clock = clock
    }

    public func run(_ handler: ProbeHandler, timeoutSeconds: Int32, target: HandlerTarget) async -> HandlerResult {
        let timeout = max(1, Int64(timeoutSeconds))
        if let exec = handler.exec {
            do {
                let response = try await runtime.execSync(target.containerID, exec.command, timeout: timeout)
                if response.exitCode == 0 { return .ok }
                let said = String(decoding: response.stderr + response.stdout, as: UTF8.self)
                let output = said.split(separator: "\n").last.map(String.init) ?? ""
                return .failed("command \(exec.command) exited with status \(response.exitCode)\(output.isEmpty ? "" : ": \(output)")")
            } catch {
                return .failed("exec failed: \(error)")
            }
        }
        if let tcp = handler.tcpSocket {
            guard let port = resolve(tcp.port, target) else { return .failed("no container port named \(tcp.port)") }
            return await exchange(host: tcp.host, port: port, request: nil, target, timeout: timeout)
        }
        if let http = handler.httpGet {
            guard http.scheme == .http else { return .failed("https probes are not supported yet") }
            guard let port = resolve(http.port, target) else { return .failed("no container port named \(http.port)") }
            let ip = endpoint(host: http.host, target) ?? "127.0.0.1"
            var request = "GET \(http.path ?? "/") HTTP/1.1\r\nHost: \(ip):\(port)\r\nUser-Agent: kube-probe/swkube\r\n"
            request += "Accept: */*\r\nConnection: close\r\n"
            for header in http.httpHeaders { request += "\(header.name): \(header.value)\r\n" }
            request += "\r\n"
            return await exchange(host: http.host, port: port, request: request, target, timeout: timeout)
        }
        if let sleep = handler.sleep {
            try? await clock.sleep(nanoseconds: sleep.seconds * nanosPerSecond)
            return .ok
        }
        return .failed("no handler")
    }

    /// A numbered port, or the containerPort of the named one.
    func resolve(_ port: IntOrString, _ target: HandlerTarget) -> Int32? {
        switch port {
        case .int(let number): return number
        case .string(let name): return target.ports.first { $0.name == name }?.containerPort ?? Int32(name)
        }
    }

    /// The address to dial from the host: the handler's host, the pod's IP, or 127.0.0.1 for a
    /// host-network pod; nil when only the pod's own network namespace reaches it (a pod without
    /// a CNI network has no other address), which the runtime's port forward enters.
    func endpoint(host: String?, _ target: HandlerTarget) -> String? {
        if let host, !host.isEmpty { return host }
        if !target.podIP.isEmpty { return target.podIP }
        return target.hostNetwork ? "127.0.0.1" : nil
    }

    /// A connect (request nil) or an HTTP exchange, scored as kubelet scores it.
    private func exchange(host: String?, port: Int32, request: String?, _ target: HandlerTarget,
                          timeout: Int64) async -> HandlerResult {
        let bytes = Array((request ?? "").utf8)
        let ip = endpoint(host: host, target)
        let response: [UInt8]
        do {
            if let ip {
                response = try await Task.detached { () throws(SwkError) -> [UInt8] in
                    try TCPExchange.run(ip: ip, port: port, timeoutMillis: Int32(clamping: timeout * 1000), request: bytes)
                }.value
            } else {
                response = try await runtime.portForward(target.podSandboxID, port: port, request: bytes, responseLimit: 512,
                                                         timeout: timeout)
            }
        } catch {
            return .failed("\(error)")
        }
        guard request != nil else { return .ok }
        let address = "\(ip ?? "127.0.0.1"):\(port)"
        let head = String(decoding: response, as: UTF8.self)
        let fields = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let code = Int(fields[1]) else {
            return .failed("HTTP probe to \(address) got no HTTP response")
        }
        return (200..<400).contains(code) ? .ok : .failed("HTTP probe failed with statuscode: \(code)")
    }
}
