import SwkSupport

/// Image reference parsing and normalisation as docker and containerd do it:
/// `busybox` → `docker.io/library/busybox:latest`, `host:5000/team/app:v1` stays itself,
/// `name@sha256:<hex>` keeps its digest, `localhost/x:1` is a local name.
public enum ImageReference {
    /// A parsed, normalised reference.
    public struct Parsed: Sendable, Equatable {
        /// `domain/path`, e.g. `docker.io/library/busybox`.
        public var repository: String
        public var tag: String?
        public var digest: String?

        public var domain: String { String(repository.prefix { $0 != "/" }) }
        /// The path inside the registry, e.g. `library/busybox`.
        public var path: String { String(repository.drop { $0 != "/" }.dropFirst()) }

        public var normalized: String {
            var s = repository
            if let tag { s += ":\(tag)" }
            if let digest { s += "@\(digest)" }
            return s
        }
    }

    public static func normalize(_ s: String) throws(SwkError) -> String {
        try parse(s).normalized
    }

    public static func parse(_ s: String) throws(SwkError) -> Parsed {
        func bad(_ why: String) -> SwkError { SwkError(.invalidArgument, "invalid image reference \"\(s)\": \(why)") }
        var rest = Substring(s)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let d = String(rest[rest.index(after: at)...])
            guard Digest.isValid(d) else { throw bad("digest must be sha256: and 64 lowercase hex digits") }
            digest = d
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let t = String(rest[rest.index(after: colon)...])
            guard isValidTag(t) else { throw bad("tag \"\(t)\" is not valid") }
            tag = t
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw bad("empty name") }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var domain = "docker.io"
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
            domain = first
            components.removeFirst()
            guard isValidDomain(domain) else { throw bad("registry host \"\(domain)\" is not valid") }
        }
        if domain == "index.docker.io" { domain = "docker.io" }
        if domain == "docker.io" && components.count == 1 { components.insert("library", at: 0) }
        for c in components where !isValidPathComponent(c) {
            throw bad("path component \"\(c)\" must be lowercase letters, digits and separators")
        }
        if tag == nil && digest == nil { tag = "latest" }
        return Parsed(repository: ([domain] + components).joined(separator: "/"), tag: tag, digest: digest)
    }

    private static func isValidTag(_ t: String) -> Bool {
        guard let first = t.utf8.first, t.utf8.count <= 128, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        return t.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isValidDomain(_ d: String) -> Bool {
        !d.isEmpty && d.utf8.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ":")
                || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]")
        }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` from the distribution reference grammar.
    private static func isValidPathComponent(_ c: String) -> Bool {
        let bytes = Array(c.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if isLowerAlnum(bytes[i]) { i += 1; continue }
            var j = i
            while j < bytes.count && !isLowerAlnum(bytes[j]) { j += 1 }
            let sep = String(decoding: bytes[i..<j], as: UTF8.self)
            guard sep == "." || sep == "_" || sep == "__" || sep.allSatisfy({ $0 == "-" }) else { return false }
            i = j
        }
        return true
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 122)
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        isLowerAlnum(b) || (b >= 65 && b <= 90)
    }
}
