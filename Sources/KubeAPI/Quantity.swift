import SwkYAML

/// Parsing of Kubernetes resource quantities (`500m`, `0.5`, `128Mi`, `1G`, `1e3`) with exact
/// integer arithmetic, rounding away from zero like resource.Quantity's Value()/MilliValue().
extension Quantity {
    /// Parses `text`; the error message names the value.
    public static func parse(_ text: String) throws(SwkQuantityError) -> Quantity {
        let bad = SwkQuantityError(message: "invalid value \"\(text)\": must be a quantity such as 500m, 0.5, 128Mi or 1G")
        var rest = Substring(text)
        var negative = false
        if let first = rest.first, first == "+" || first == "-" {
            negative = first == "-"
            rest = rest.dropFirst()
        }
        let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = rest.dropFirst(number.count)
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, number.contains(where: \.isNumber) else { throw bad }
        var digits = String(parts[0]) + (parts.count == 2 ? String(parts[1]) : "")
        var scale = parts.count == 2 ? parts[1].count : 0  // value = digits × 10^-scale

        var exp10 = 0, exp2 = 0
        switch suffix {
        case "": break
        case "Ki": exp2 = 10
        case "Mi": exp2 = 20
        case "Gi": exp2 = 30
        case "Ti": exp2 = 40
        case "Pi": exp2 = 50
        case "Ei": exp2 = 60
        case "n": exp10 = -9
        case "u": exp10 = -6
        case "m": exp10 = -3
        case "k": exp10 = 3
        case "M": exp10 = 6
        case "G": exp10 = 9
        case "T": exp10 = 12
        case "P": exp10 = 15
        case "E": exp10 = 18
        default:
            guard let e = suffix.first, e == "e" || e == "E", let n = Int(suffix.dropFirst()),
                  n > -1000, n < 1000 else { throw bad }
            exp10 = n
        }
        // Normalise: no leading zeros, trailing zeros moved into the exponent.
        digits = String(digits.drop { $0 == "0" })
        while digits.hasSuffix("0") { digits.removeLast(); scale -= 1 }
        guard digits.count <= 18, let mantissa = UInt64(digits.isEmpty ? "0" : digits) else {
            throw SwkQuantityError(message: "invalid value \"\(text)\": too many significant digits")
        }
        guard let value = scaled(mantissa, exp10: exp10 - scale, exp2: exp2) else {
            throw SwkQuantityError(message: "invalid value \"\(text)\": too large")
        }
        let milli = scaled(mantissa, exp10: exp10 - scale + 3, exp2: exp2) ?? UInt64(Int64.max)
        let sign: Int64 = negative ? -1 : 1
        return Quantity(text: text, value: sign * Int64(value), milliValue: sign * Int64(min(milli, UInt64(Int64.max))))
    }

    /// ⌈m × 10^e10 × 2^e2⌉, or nil when it does not fit an Int64.
    private static func scaled(_ m: UInt64, exp10: Int, exp2: Int) -> UInt64? {
        guard m != 0 else { return 0 }
        var n = m
        for _ in 0..<exp2 {
            let (r, o) = n.multipliedReportingOverflow(by: 2)
            guard !o else { return nil }
            n = r
        }
        if exp10 >= 0 {
            for _ in 0..<exp10 {
                let (r, o) = n.multipliedReportingOverflow(by: 10)
                guard !o else { return nil }
                n = r
            }
            return n <= UInt64(Int64.max) ? n : nil
        }
        // n < 2^64 < 10^20: dividing by 10^20 or more leaves a fraction that rounds up to 1.
        guard -exp10 < 20 else { return 1 }
        var d: UInt64 = 1
        for _ in 0 ..< -exp10 { d *= 10 }
        let (q, r) = n.quotientAndRemainder(dividingBy: d)
        let result = r == 0 ? q : q + 1
        return result <= UInt64(Int64.max) ? result : nil
    }
}

public struct SwkQuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Quantity: Codable {
    /// Any scalar: `memory: 128Mi`, `cpu: 0.5` and `memory: 1000000` are all quantities.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Quantity.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
