/// A YAML problem with the place it was found: a syntax error from libyaml, a limit, a duplicate
/// key, or a decoding error with the field path (`spec.containers[0].image`).
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// libyaml could not parse the text; nothing in the stream is usable.
        case syntax
        /// A structural rule of ours: duplicate key, unknown anchor, size/depth/alias limits.
        case structure
        /// The tree does not fit the type being decoded.
        case decoding
    }

    public var kind: Kind
    public var message: String
    public var mark: YAMLMark
    /// The field path of a decoding error, "" otherwise.
    public var path: String

    public init(_ kind: Kind, _ message: String, mark: YAMLMark, path: String = "") {
        self.kind = kind
        self.message = message
        self.mark = mark
        self.path = path
    }

    public var description: String {
        path.isEmpty ? "\(mark): \(message)" : "\(mark): \(path): \(message)"
    }
}
