import Glibc
import ImageStore
import RegistryHTTP
import SwkSupport
import Testing
import TestSupport

/// The AsyncHTTPClient transport's failure classes: what the client must retry is `.unavailable`
/// and says what happened.
struct HTTPClientTransportTests {
    /// Sends one GET; the body's bytes are counted.
    static func get(_ url: String, idleTimeout: Int64 = 60) async throws -> (status: Int, bytes: Int) {
        let transport = try HTTPClientTransport(idleTimeout: .seconds(idleTimeout))
        var status = 0, bytes = 0
        do {
            try await transport.send(RegistryRequest(url: url), head: { status = $0.status }, chunk: { bytes += $0.count })
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        return (status, bytes)
    }

    @Test func aRefusedConnectionIsUnavailable() async throws {
        // A port that was just free: bind, note it, close.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        close(fd)
        try #require(bound)
        let url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/v2/"
        await #expect { _ = try await Self.get(url) } throws: {
            ($0 as? SwkError).map { $0.code == .unavailable && $0.message == "GET \(url): connection refused" } ?? false
        }
    }

    @Test(.enabled(if: FixtureServer.isAvailable, "needs python3")) func aBodyThatStallsTimesOut() async throws {
        let dir = try makeTempDir("stall")
        defer { cleanup(dir) }
        let server = try await FixtureServer(script: "stalling-server.py", dir: dir, arguments: [])
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/v2/x/blobs/sha256:00"
        await #expect { _ = try await Self.get(url, idleTimeout: 1) } throws: {
            ($0 as? SwkError).map { $0.code == .unavailable && $0.message == "GET \(url): no data from 127.0.0.1:\(server.port) for 1 s" } ?? false
        }
    }
}
