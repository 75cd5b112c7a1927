/// The YAML node tree: what `YAMLParser` builds from libyaml's events and what `YAMLDecoder` reads.
///
/// Every node keeps the position it started at (1-based line and column) so that errors found
/// long after parsing — a bad value deep inside a Pod — still point at the line that holds it.
/// Mapping keys are nodes too, so a diagnostic about a key points at the key, not its value.
/// Aliases are resolved while parsing: an alias becomes a copy of its anchor's node (shared
/// storage, so an alias costs nothing until it is read).

/// A position in the input, 1-based like editors show it.
public struct YAMLMark: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// How a scalar was written; quoting decides whether `123` is an integer or a string.
public enum YAMLScalarStyle: String, Sendable, Equatable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

public struct YAMLNode: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case scalar(String, YAMLScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var kind: Kind
    public var mark: YAMLMark
    /// The explicit tag in full form (`tag:yaml.org,2002:str` for `!!str`), nil when none was written.
    public var tag: String?

    public init(_ kind: Kind, mark: YAMLMark = YAMLMark(line: 1, column: 1), tag: String? = nil) {
        self.kind = kind
        self.mark = mark
        self.tag = tag
    }

    public static func scalar(_ text: String, style: YAMLScalarStyle = .plain,
                              mark: YAMLMark = YAMLMark(line: 1, column: 1)) -> YAMLNode {
        YAMLNode(.scalar(text, style), mark: mark)
    }

    /// The scalar's text, or nil for a collection.
    public var scalarText: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value under a scalar key of a mapping.
    public subscript(key: String) -> YAMLNode? {
        pair(forKey: key)?.value
    }

    public func pair(forKey key: String) -> YAMLPair? {
        mapping?.first { $0.key.scalarText == key }
    }

    /// What a scalar means under the core schema (see `YAMLScalarResolver`); nil for collections.
    public var resolved: YAMLValue? {
        guard case .scalar(let text, let style) = kind else { return nil }
        return YAMLScalarResolver.resolve(text, style: style, tag: tag)
    }

    /// The null node (an empty document, `~`, `null`).
    public var isNull: Bool { resolved == .null }

    /// A short name of the node's type for error messages.
    public var typeName: String {
        switch kind {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar:
            switch resolved {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .string, .none: return "a string"
            }
        }
    }
}

public struct YAMLPair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// One element of a field path: `spec`, `containers[0]`, `limits[memory]`.
public enum YAMLPathElement: Sendable, Equatable, Hashable {
    /// A field of an object (`.name`).
    case field(String)
    /// An element of a list (`[0]`).
    case index(Int)
    /// A key of a free-form map such as labels or resource limits (`[memory]`).
    case key(String)
}

extension Array where Element == YAMLPathElement {
    /// Kubernetes' field path notation: `spec.containers[0].resources.limits[memory]`.
    public var fieldPath: String {
        var out = ""
        for element in self {
            switch element {
            case .field(let name): out += out.isEmpty ? name : "." + name
            case .index(let i): out += "[\(i)]"
            case .key(let k): out += "[\(k)]"
            }
        }
        return out
    }
}

extension YAMLNode {
    /// The node at `path` and the mark that best locates it: the node's own mark (its key's, for a
    /// collection under a key) when it exists, else the mark of the deepest ancestor that does
    /// (so "required value" points at the object that lacks the field).
    public func locate(_ path: [YAMLPathElement]) -> (node: YAMLNode?, mark: YAMLMark) {
        var current = self
        var keyMark: YAMLMark?
        for element in path {
            switch element {
            case .field(let name), .key(let name):
                guard let pair = current.pair(forKey: name) else { return (nil, current.mark) }
                current = pair.value
                keyMark = pair.key.mark
            case .index(let i):
                let items = current.sequence ?? []
                guard i >= 0 && i < items.count else { return (nil, current.mark) }
                current = items[i]
                keyMark = nil
            }
        }
        // A collection under a key is best shown by its key: `valueFrom:`, not the line after it.
        if current.scalarText == nil, let keyMark { return (current, keyMark) }
        return (current, current.mark)
    }
}
