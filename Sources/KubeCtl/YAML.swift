import SwkSupport
/// Block-style YAML for `-o yaml`, laid out as kubectl prints it (go-yaml v2 through
/// sigs.k8s.io/yaml): two-space indent, sequences not indented under their key, sorted keys,
/// strings quoted only when they would otherwise read as another type or as YAML syntax.
extension JSONValue {
    public func yamlText() -> String {
        var lines: [String] = []
        switch self {
        case .object(let m) where !m.isEmpty: yamlMapping(indent: "", into: &lines)
        case .array(let a) where !a.isEmpty: yamlSequence(indent: "", into: &lines)
        default: lines.append(yamlInline)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The one-line form of a scalar or an empty collection; nil-free because every value has one.
    private var yamlInline: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n
        case .string(let s): yamlScalar(s)
        case .array: "[]"
        case .object: "{}"
        }
    }

    private var isNestedBlock: Bool {
        switch self {
        case .array(let a): !a.isEmpty
        case .object(let m): !m.isEmpty
        default: false
        }
    }

    private func yamlMapping(indent: String, into lines: inout [String]) {
        for (key, value) in sortedMembers {
            let head = indent + yamlScalar(key) + ":"
            switch value {
            case .object where value.isNestedBlock:
                lines.append(head)
                value.yamlMapping(indent: indent + "  ", into: &lines)
            case .array where value.isNestedBlock:
                lines.append(head)
                value.yamlSequence(indent: indent, into: &lines)
            default:
                lines.append(head + " " + value.yamlInline)
            }
        }
    }

    private func yamlSequence(indent: String, into lines: inout [String]) {
        guard case .array(let items) = self else { return }
        let inner = indent + "  "
        for item in items {
            guard item.isNestedBlock else {
                lines.append(indent + "- " + item.yamlInline)
                continue
            }
            // The item's first line goes after the dash: "- name: x" then "  image: y".
            let first = lines.count
            if case .object = item {
                item.yamlMapping(indent: inner, into: &lines)
            } else {
                item.yamlSequence(indent: inner, into: &lines)
            }
            lines[first] = indent + "- " + lines[first].dropFirst(inner.count)
        }
    }
}

/// A string as a YAML scalar: plain when that reads back as the same string, else quoted.
func yamlScalar(_ s: String) -> String {
    if s.isEmpty { return "\"\"" }
    if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return jsonQuoted(s) }
    if yamlResolvesToNonString(s) { return jsonQuoted(s) }
    if !yamlPlainAllowed(s) { return "'" + s.replacing("'", with: "''") + "'" }
    return s
}

/// go-yaml v2 reads these plain scalars as booleans, null, numbers or timestamps, so such strings
/// must be quoted (`"8080"`, `"True"`, `"2026-12-01T12:00:00Z"`); `64Mi` and `10.88.0.2` stay plain.
private func yamlResolvesToNonString(_ s: String) -> Bool {
    let words: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
                              ".inf", "-.inf", "+.inf", ".nan"]
    if words.contains(s.lowercased()) { return true }
    let digits = s.replacing("_", with: "")
    var body = Substring(digits)
    if body.first == "-" || body.first == "+" { body = body.dropFirst() }
    let lower = body.lowercased()
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
        if Int(lower.dropFirst(2), radix: radix) != nil { return true }
    }
    let numeric = !body.isEmpty && body.allSatisfy { "0123456789.eE+-".contains($0) }
    if numeric && (Int(body) != nil || Double(body) != nil) { return true }
    return isTimestampPrefix(Array(s.utf8))
}

/// `YYYY-M-D…`: the start of every timestamp form go-yaml resolves.
private func isTimestampPrefix(_ u: [UInt8]) -> Bool {
    let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
    guard u.count >= 8, u[0..<4].allSatisfy(isDigit), u[4] == UInt8(ascii: "-") else { return false }
    var i = 5
    for part in 0..<2 {
        let start = i
        while i < u.count, isDigit(u[i]) { i += 1 }
        guard i - start >= 1, i - start <= 2 else { return false }
        if part == 0 {
            guard i < u.count, u[i] == UInt8(ascii: "-") else { return false }
            i += 1
        }
    }
    return true
}

/// libyaml's rules for a plain scalar in block context.
private func yamlPlainAllowed(_ s: String) -> Bool {
    let u = Array(s.utf8)
    guard let first = u.first, let last = u.last else { return false }
    if first == 0x20 || last == 0x20 || last == UInt8(ascii: ":") { return false }
    let alwaysIndicators = Set("#,[]{}&*!|>'\"%@`".utf8)
    if alwaysIndicators.contains(first) { return false }
    if first == UInt8(ascii: "-") || first == UInt8(ascii: "?") || first == UInt8(ascii: ":") {
        if u.count == 1 || u[1] == 0x20 { return false }
    }
    for i in 0..<(u.count - 1) {
        if u[i] == UInt8(ascii: ":") && u[i + 1] == 0x20 { return false }
        if u[i] == 0x20 && u[i + 1] == UInt8(ascii: "#") { return false }
    }
    return true
}
