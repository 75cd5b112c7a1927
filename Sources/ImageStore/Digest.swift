import CCrypto
import SwkSupport

/// Streaming SHA-256 over OpenSSL's EVP interface. Single owner: not shared between threads.
final class SHA256Hasher {
    private let ctx: OpaquePointer

    init() throws(SwkError) {
        guard let ctx = EVP_MD_CTX_new() else { throw SwkError(.system, "sha256: cannot allocate digest context") }
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(ctx)
            throw SwkError(.system, "sha256: cannot initialise digest")
        }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }

    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The `sha256:<hex>` digest of everything fed so far; the hasher is spent afterwards.
    func finish() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return "sha256:" + hexString(out[0..<Int(len)])
    }
}

/// Helpers for `sha256:<64 hex>` digests, the only algorithm we accept.
enum Digest {
    static func sha256(_ bytes: [UInt8]) throws(SwkError) -> String {
        let h = try SHA256Hasher()
        h.update(bytes)
        return h.finish()
    }

    static func isValid(_ digest: String) -> Bool {
        guard digest.hasPrefix("sha256:") else { return false }
        return isHex64(digest.dropFirst(7))
    }

    static func isHex64<S: StringProtocol>(_ s: S) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The hex part of a validated digest.
    static func hex(_ digest: String) throws(SwkError) -> String {
        guard isValid(digest) else { throw SwkError(.invalidArgument, "invalid digest \"\(digest)\"") }
        return String(digest.dropFirst(7))
    }

    /// The chain IDs of a layer stack (OCI image-spec, "Layer ChainID"): the first is the first
    /// diffID; each next one is sha256 of "<previous chainID> <diffID>".
    static func chainIDs(_ diffIDs: [String]) throws(SwkError) -> [String] {
        var out: [String] = []
        for diffID in diffIDs {
            guard isValid(diffID) else { throw SwkError(.invalidArgument, "invalid layer diff id \"\(diffID)\"") }
            if let last = out.last {
                out.append(try sha256(Array("\(last) \(diffID)".utf8)))
            } else {
                out.append(diffID)
            }
        }
        return out
    }
}

func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var chars: [UInt8] = []
    chars.reserveCapacity(bytes.count * 2)
    for b in bytes {
        chars.append(digits[Int(b >> 4)])
        chars.append(digits[Int(b & 0xf)])
    }
    return String(decoding: chars, as: UTF8.self)
}
