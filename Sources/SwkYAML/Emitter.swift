import SwkSupport
/// Writes a `YAMLNode` tree as block-style YAML, the way `kubectl get -o yaml` prints objects:
/// sequences under a key at the key's indentation, strings quoted only when plain text would read
/// back as something else (`"true"`, `"123"`, `"a: b"`, `""`), multi-line strings as `|` blocks.
/// Feeding a JSON encoding through `YAMLParser` and then here gives `-o yaml` from `Encodable`.
public enum YAMLEmitter {
    /// One document; several are joined with `---`.
    public static func emit(_ node: YAMLNode) -> String {
        var out = ""
        switch node.kind {
        case .scalar:
            out = inline(node, indent: 0) + "\n"
        case .sequence(let items) where items.isEmpty:
            out = "[]\n"
        case .mapping(let pairs) where pairs.isEmpty:
            out = "{}\n"
        default:
            block(node, indent: 0, into: &out)
        }
        return out
    }

    public static func emit(documents: [YAMLNode]) -> String {
        documents.map(emit).joined(separator: "---\n")
    }

    /// A string as a YAML scalar that reads back as that same string.
    public static func quoted(_ text: String) -> String {
        needsQuotes(text) ? doubleQuoted(text) : text
    }

    private static func block(_ node: YAMLNode, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch node.kind {
        case .scalar:
            out += pad + inline(node, indent: indent) + "\n"
        case .mapping(let pairs):
            for pair in pairs {
                out += pad + key(pair.key) + ":"
                switch pair.value.kind {
                case .mapping(let p) where !p.isEmpty:
                    out += "\n"
                    block(pair.value, indent: indent + 2, into: &out)
                case .sequence(let s) where !s.isEmpty:
                    out += "\n"
                    block(pair.value, indent: indent, into: &out)
                default:
                    out += " " + inline(pair.value, indent: indent) + "\n"
                }
            }
        case .sequence(let items):
            for item in items {
                switch item.kind {
                case .mapping(let p) where !p.isEmpty:
                    nested(item, indent: indent, into: &out)
                case .sequence(let s) where !s.isEmpty:
                    nested(item, indent: indent, into: &out)
                default:
                    out += pad + "- " + inline(item, indent: indent) + "\n"
                }
            }
        }
    }

    /// A collection inside a sequence: its first line shares the line of the `- `.
    private static func nested(_ item: YAMLNode, indent: Int, into out: inout String) {
        var inner = ""
        block(item, indent: indent + 2, into: &inner)
        out += String(repeating: " ", count: indent) + "- " + inner.dropFirst(indent + 2)
    }

    private static func key(_ node: YAMLNode) -> String {
        guard let text = node.scalarText else { return "? " + inline(node, indent: 0) }
        return node.resolved == .string(text) ? quoted(text) : text
    }

    private static func inline(_ node: YAMLNode, indent: Int) -> String {
        switch node.kind {
        case .sequence: return "[]"
        case .mapping: return "{}"
        case .scalar(let text, _):
            guard case .string = node.resolved else { return text.isEmpty ? "null" : text }
            if text.contains("\n"), let literal = literalBlock(text, indent: indent + 2) { return literal }
            return quoted(text)
        }
    }

    private static func literalBlock(_ text: String, indent: Int) -> String? {
        let chomp: String
        var body = Substring(text)
        if text.hasSuffix("\n\n") { return nil }
        if text.hasSuffix("\n") { chomp = "|"; body = body.dropLast() } else { chomp = "|-" }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        // A leading space on the first line would need an indentation indicator; keep it simple.
        guard let first = lines.first, !first.hasPrefix(" "), !first.isEmpty,
              !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" })
        else { return nil }
        let pad = String(repeating: " ", count: indent)
        return chomp + lines.map { $0.isEmpty ? "\n" : "\n" + pad + $0 }.joined()
    }

    private static func needsQuotes(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last else { return true }
        if YAMLScalarResolver.resolve(text, style: .plain, tag: nil) != .string(text) { return true }
        if first == " " || last == " " || last == ":" || text == "<<" { return true }
        // `-x`, `?x`, `:x` are plain text (an indicator needs a space after it); `---` and `...`
        // could end a document.
        let second = text.dropFirst().first
        if "-?:".contains(first), let second, second != " " {
            if text.hasPrefix("---") || text.hasPrefix("...") { return true }
        } else if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
            return true
        }
        if text.hasPrefix("...") { return true }
        if text.contains(": ") || text.contains(" #") || text.contains("\t") { return true }
        return text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0xFEFF }
    }

    private static func doubleQuoted(_ text: String) -> String {
        jsonQuoted(text) { $0.value == 0x7F || $0.value == 0xFEFF }
    }
}
