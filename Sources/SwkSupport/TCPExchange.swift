import CSwkSys
import Glibc

/// One short TCP exchange, as a probe makes it: connect to ip:port (from inside the network
/// namespace pinned at `netns`, when given), send `request` (nothing: a bare connect), and read
/// the answer until EOF, `responseLimit` bytes or the timeout. Blocking: call it off any actor.
public enum TCPExchange {
    public static func run(ip: String, port: Int32, netns: String? = nil, timeoutMillis: Int32,
                           request: [UInt8], responseLimit: Int = 512) throws(SwkError) -> [UInt8] {
        var response = [CChar](repeating: 0, count: max(1, responseLimit))
        let bytes = request.map { CChar(bitPattern: $0) }
        let n = swk_probe_tcp(netns, ip, port, timeoutMillis, bytes.isEmpty ? nil : bytes, bytes.count,
                              &response, responseLimit)
        guard n >= 0 else { throw .errno("dial tcp \(ip):\(port)") }
        return response.prefix(n).map { UInt8(bitPattern: $0) }
    }
}
