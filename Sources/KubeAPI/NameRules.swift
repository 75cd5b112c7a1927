/// Kubernetes' name and format rules (apimachinery's validation package), as plain predicates
/// and the messages the API server uses for them.
public enum NameRules {
    static let dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let envVarNameMessage = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"
    static let portNameMessage = "must be no more than 15 characters, contain only lowercase letters, digits and '-', contain at least one letter, and not start or end with '-'"
    static let qualifiedNameMessage = "must be a name of at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric, with an optional DNS subdomain prefix and '/'"
    static let labelValueMessage = "must be empty or at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
    static let configKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"

    private static func isLowerAlnum(_ c: Character) -> Bool {
        c.isASCII && (c.isLowercase || c.isNumber)
    }

    private static func isAlnum(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber)
    }

    static func isDNS1123Label(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last, s.count <= 63 else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last) && s.allSatisfy { isLowerAlnum($0) || $0 == "-" }
    }

    static func isDNS1123Subdomain(_ s: String) -> Bool {
        guard s.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNS1123Label(String($0)) }
    }

    /// `[-._a-zA-Z][-._a-zA-Z0-9]*` (Kubernetes' IsEnvVarName).
    public static func isEnvVarName(_ s: String) -> Bool {
        guard let first = s.first, !(first.isASCII && first.isNumber) else { return false }
        return s.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// IANA service name: what a named port must be.
    static func isPortName(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last, s.count <= 15, first != "-", last != "-" else { return false }
        return !s.contains("--") && s.contains { $0.isASCII && $0.isLowercase }
            && s.allSatisfy { isLowerAlnum($0) || $0 == "-" }
    }

    /// `[-._a-zA-Z0-9]+` (ConfigMap and Secret keys).
    static func isConfigKey(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 253 && s != "." && s != ".." && !s.hasPrefix("..")
            && s.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// A label value: empty, or ≤63 of `[A-Za-z0-9_.-]` starting and ending alphanumeric.
    static func isLabelValue(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last else { return true }
        return s.count <= 63 && isAlnum(first) && isAlnum(last)
            && s.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// A label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name a non-empty label value.
    static func isQualifiedName(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return !s.isEmpty && isLabelValue(s)
        case 2: return isDNS1123Subdomain(String(parts[0])) && !parts[1].isEmpty && isLabelValue(String(parts[1]))
        default: return false
        }
    }

    /// A relative path without `..` elements (subPath, items[].path).
    static func isSafeRelativePath(_ s: String) -> Bool {
        !s.hasPrefix("/") && !s.split(separator: "/").contains("..")
    }
}
