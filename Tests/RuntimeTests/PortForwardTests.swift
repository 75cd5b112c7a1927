import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

/// CRI PortForward in-process: the runtime dials inside the pod's own network namespace, so a
/// server bound to the pod's loopback (unreachable from the host) answers, and a closed port
/// fails with the dial error.
@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct PortForwardTests {
    @Test func dialsTheSandboxLoopbackFromInsideItsNetworkNamespace() async throws {
        try await Harness.with { h in
            let (sandbox, container) = try await h.runContainer(
                ["sh", "-c", "mkdir -p /tmp/www && echo inside > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www"])
            let request = Array("GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n".utf8)
            var answer: [UInt8] = []
            #expect(try await eventually {
                answer = (try? await h.runtime.portForward(sandbox, port: 8080, request: request, responseLimit: 4096, timeout: 2)) ?? []
                return !answer.isEmpty
            })
            let text = String(decoding: answer, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK") && text.hasSuffix("inside\n"), "\(text)")
            // The host's own loopback has no such server: the answer came from the pod's namespace.
            #expect(throws: SwkError.self) { try TCPExchange.run(ip: "127.0.0.1", port: 8080, timeoutMillis: 500, request: request) }

            let refused = await #expect(throws: SwkError.self) {
                try await h.runtime.portForward(sandbox, port: 8081, request: [], responseLimit: 16, timeout: 2)
            }
            #expect(refused?.message.contains("dial tcp 127.0.0.1:8081: Connection refused") == true, "\(String(describing: refused))")
            try await h.runtime.stopContainer(container, timeout: 0)
        }
    }

    @Test func anUnknownSandboxIsNotFound() async throws {
        try await Harness.with { h in
            let error = await #expect(throws: SwkError.self) {
                try await h.runtime.portForward("nope", port: 80, request: [], responseLimit: 16, timeout: 1)
            }
            #expect(error?.code == .notFound)
        }
    }
}
