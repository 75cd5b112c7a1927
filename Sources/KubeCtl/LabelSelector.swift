import StateStore
import SwkSupport

/// A label selector as `-l` takes it (apimachinery's labels.Parse): comma-separated
/// requirements, all of which must hold: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
/// `k` (exists), `!k` (does not exist).
public struct LabelSelector: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let k, let v): labels[k] == v
            // Like Kubernetes: `k!=v` and `notin` also match objects without the label.
            case .notEquals(let k, let v): labels[k] != v
            case .isIn(let k, let vs): labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): !(labels[k].map(vs.contains) ?? false)
            case .exists(let k): labels[k] != nil
            case .doesNotExist(let k): labels[k] == nil
            }
        }
    }

    var requirements: [Requirement]

    public init(parsing text: String) throws(SwkError) {
        requirements = []
        for part in Self.splitTopLevel(text) {
            let p = part.trimmingSpaces
            guard let r = Self.requirement(p), !p.isEmpty else {
                throw SwkError(.invalidArgument, "unable to parse requirement \"\(p)\" of label selector \"\(text)\"")
            }
            requirements.append(r)
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Commas outside parentheses separate requirements.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }

    private static func requirement(_ p: String) -> Requirement? {
        func valid(_ s: Substring) -> String? {
            let t = String(s).trimmingSpaces
            let ok = t.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
            return ok ? t : nil
        }
        if p.hasPrefix("!") { return valid(p.dropFirst()).flatMap { $0.isEmpty ? nil : .doesNotExist($0) } }
        for (op, make) in [("!=", Requirement.notEquals), ("==", Requirement.equals), ("=", Requirement.equals)] {
            if let r = p.firstRange(of: op) {
                guard let k = valid(p[..<r.lowerBound]), !k.isEmpty, let v = valid(p[r.upperBound...]) else { return nil }
                return make(k, v)
            }
        }
        for (op, isIn) in [(" notin ", false), (" in ", true)] {
            guard let r = p.firstRange(of: op) else { continue }
            let rest = p[r.upperBound...].trimmingPrefix(" ")
            guard let k = valid(p[..<r.lowerBound]), !k.isEmpty, rest.hasPrefix("("), rest.hasSuffix(")") else { return nil }
            var values = Set<String>()
            for v in rest.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = valid(v) else { return nil }
                values.insert(value)
            }
            return isIn ? .isIn(k, values) : .notIn(k, values)
        }
        return valid(Substring(p)).flatMap { $0.isEmpty ? nil : .exists($0) }
    }
}

extension PodObject {
    /// The pod's declared labels.
    static func labels(_ pod: PodRecord) -> [String: String] {
        guard let members = (try? declaredPod(pod))?["metadata"]?["labels"]?.sortedMembers else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in members { out[k] = scalarText(v) }
        return out
    }
}
