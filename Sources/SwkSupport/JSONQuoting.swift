/// A JSON string literal for `s` (also a valid YAML double-quoted scalar): quotes, backslashes and
/// control characters escaped; `alsoEscaping` names further scalars to write as `\uXXXX`.
public func jsonQuoted(_ s: String, alsoEscaping extra: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || extra(scalar):
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
