import CRI
import CSwkSys
import Glibc
import KubeAPI
import SwkSupport

/// Where a probe or hook of one container connects and execs.
public struct HandlerTarget: Sendable, Equatable {
    public var containerID: String
    public var podIP: String
    /// The pod's network namespace file, used when it has no routable IP yet.
    public var netnsPath: String
    public var hostNetwork: Bool
    public var ports: [ContainerPort]

    public init(containerID: String, podIP: String, netnsPath: String, hostNetwork: Bool, ports: [ContainerPort]) {
        self.containerID = containerID
        self.podIP = podIP
        self.netnsPath = netnsPath
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
            let (ip, netns) = endpoint(host: tcp.host, target)
            return await Task.detached { connect(ip, port, netns: netns, timeout: timeout, request: nil) }.value
        }
        if let http = handler.httpGet {
            guard http.scheme == .http else { return .failed("https probes are not supported yet") }
            guard let port = resolve(http.port, target) else { return .failed("no container port named \(http.port)") }
            let (ip, netns) = endpoint(host: http.host, target)
            var request = "GET \(http.path ?? "/") HTTP/1.1\r\nHost: \(ip):\(port)\r\nUser-Agent: kube-probe/swkube\r\n"
            request += "Accept: */*\r\nConnection: close\r\n"
            for header in http.httpHeaders { request += "\(header.name): \(header.value)\r\n" }
            request += "\r\n"
            let text = request
            return await Task.detached { connect(ip, port, netns: netns, timeout: timeout, request: text) }.value
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

    /// The pod's IP from the host; 127.0.0.1 on the host for host-network pods; else 127.0.0.1
    /// inside the pod's network namespace (a pod without a CNI network has no other address).
    func endpoint(host: String?, _ target: HandlerTarget) -> (String, String) {
        if let host, !host.isEmpty { return (host, "") }
        if !target.podIP.isEmpty { return (target.podIP, "") }
        if target.hostNetwork || target.netnsPath.isEmpty { return ("127.0.0.1", "") }
        return ("127.0.0.1", target.netnsPath)
    }
}

/// A blocking connect (and HTTP exchange) through the C helper: run off the actor, on a detached task.
private func connect(_ ip: String, _ port: Int32, netns: String, timeout: Int64, request: String?) -> HandlerResult {
    var response = [CChar](repeating: 0, count: 512)
    let bytes = Array((request ?? "").utf8).map { CChar(bitPattern: $0) }
    let n = swk_probe_tcp(netns.isEmpty ? nil : netns, ip, port, Int32(timeout * 1000),
                          request == nil ? nil : bytes, bytes.count, &response, response.count)
    guard n >= 0 else { return .failed("dial tcp \(ip):\(port): \(errnoText(errno))") }
    guard request != nil else { return .ok }
    let head = String(decoding: response.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let fields = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
    guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let code = Int(fields[1]) else {
        return .failed("HTTP probe to \(ip):\(port) got no HTTP response")
    }
    return (200..<400).contains(code) ? .ok : .failed("HTTP probe failed with statuscode: \(code)")
}

