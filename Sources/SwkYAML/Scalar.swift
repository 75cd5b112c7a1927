/// The meaning of a scalar, after tag resolution.
public enum YAMLValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
}

/// Resolves scalars the way Kubernetes reads manifests (sigs.k8s.io/yaml over go-yaml v2): YAML 1.2
/// core schema plus the YAML 1.1 forms Kubernetes still accepts — `yes/no/on/off/y/n` booleans,
/// `0755` octal, `_` digit separators. Quoted and block scalars are always strings; an explicit
/// tag (`!!str`, `!!int`…) wins over the plain-scalar rules.
public enum YAMLScalarResolver {
    public static let strTag = "tag:yaml.org,2002:str"
    public static let intTag = "tag:yaml.org,2002:int"
    public static let floatTag = "tag:yaml.org,2002:float"
    public static let boolTag = "tag:yaml.org,2002:bool"
    public static let nullTag = "tag:yaml.org,2002:null"

    public static func resolve(_ text: String, style: YAMLScalarStyle, tag: String?) -> YAMLValue {
        switch tag {
        case strTag?: return .string(text)
        case intTag?: return int(text).map(YAMLValue.int) ?? .string(text)
        case floatTag?: return (int(text).map(Double.init) ?? float(text)).map(YAMLValue.float) ?? .string(text)
        case boolTag?: return bool(text).map(YAMLValue.bool) ?? .string(text)
        case nullTag?: return .null
        case .some: return .string(text)  // a local tag (`!foo`): keep the text
        case nil: break
        }
        guard style == .plain else { return .string(text) }
        if isNull(text) { return .null }
        if let b = bool(text) { return .bool(b) }
        if let i = int(text) { return .int(i) }
        if let f = float(text) { return .float(f) }
        return .string(text)
    }

    public static func isNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return false
        default: return nil
        }
    }

    /// Decimal, `0x` hex, `0o`/leading-zero octal, `0b` binary, optional sign and `_` separators.
    public static func int(_ text: String) -> Int64? {
        var s = Substring(text)
        var negative = false
        if let first = s.first, first == "+" || first == "-" {
            negative = first == "-"
            s = s.dropFirst()
        }
        guard let first = s.first, first.isASCII, first.isNumber else { return nil }
        var radix = 10
        if s.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if s.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if s.count > 1 && s.hasPrefix("0") { radix = 8; s = s.dropFirst() }
        let digits = s.filter { $0 != "_" }
        guard !digits.isEmpty, let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// `1.5`, `.5`, `1e3`, `-2.5E-3`, `.inf`, `-.Inf`, `.nan`; an integer too large for Int64.
    public static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        var sawDigit = false, sawDot = false, sawExp = false
        var previous: Character = " "
        for (i, c) in text.enumerated() {
            switch c {
            case "0"..."9": sawDigit = true
            case "_": guard sawDigit, !sawExp else { return nil }
            case "+", "-": guard i == 0 || previous == "e" || previous == "E" else { return nil }
            case ".": guard !sawDot, !sawExp else { return nil }; sawDot = true
            case "e", "E": guard sawDigit, !sawExp else { return nil }; sawExp = true
            default: return nil
            }
            previous = c
        }
        guard sawDigit, previous.isNumber || previous == "." else { return nil }
        return Double(text.filter { $0 != "_" })
    }
}
