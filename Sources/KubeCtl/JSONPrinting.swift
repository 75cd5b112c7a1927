import SwkSupport

// `-o json|yaml` print a `JSONValue` built from the stored `specJSON` and the pod's status. Object
// keys are printed sorted, as kubectl prints objects (it marshals them as maps).
extension JSONValue {
    /// The members with sorted keys (the last of duplicate keys wins, as Go's decoder does).
    var sortedMembers: [(String, JSONValue)] {
        guard case .object(let members) = self else { return [] }
        var seen: [String: JSONValue] = [:]
        for (k, v) in members { seen[k] = v }
        return seen.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// kubectl's `-o json` layout: four-space indent, sorted keys, trailing newline.
    public func jsonText() -> String {
        var out = ""
        writeJSON(into: &out, indent: "")
        out += "\n"
        return out
    }

    private func writeJSON(into out: inout String, indent: String) {
        let inner = indent + "    "
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): out += jsonQuoted(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                item.writeJSON(into: &out, indent: inner)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object:
            let members = sortedMembers
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in members.enumerated() {
                out += inner + jsonQuoted(k) + ": "
                v.writeJSON(into: &out, indent: inner)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            out += indent + "}"
        }
    }
}


