import CYAML

/// Parses bytes into YAML documents with libyaml's event parser, building `YAMLNode` trees.
///
/// We build the tree ourselves (rather than with libyaml's document loader) to keep what the
/// loader throws away: whether a tag was written, the mark of each key, and control over aliases.
/// Guards against hostile input: a byte limit, a nesting-depth limit (the builder recurses), and a
/// cap on nodes counted *after* alias expansion (a "billion laughs" stream stops at the cap).
public struct YAMLParser: Sendable {
    public struct Limits: Sendable {
        public var maxBytes = 4 << 20
        public var maxDepth = 100
        /// Nodes per stream, counting every alias as the full size of what it refers to.
        public var maxNodes = 250_000
        public var maxDocuments = 1_000

        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// All documents of the stream, in order (an empty stream has none; an empty document between
    /// two `---` is a null scalar). Throws `YAMLError` on any syntax or structural problem.
    public func parse(_ bytes: [UInt8]) throws(YAMLError) -> [YAMLNode] {
        guard bytes.count <= limits.maxBytes else {
            throw YAMLError(.structure, "input is \(bytes.count) bytes, more than the limit of \(limits.maxBytes)",
                            mark: YAMLMark(line: 1, column: 1))
        }
        let result: Result<[YAMLNode], YAMLError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(YAMLError(.structure, "libyaml: out of memory", mark: YAMLMark(line: 1, column: 1)))
            }
            defer { yaml_parser_delete(&parser) }
            // An empty buffer may have a nil base address; libyaml needs a valid pointer.
            var empty: UInt8 = 0
            if let base = buffer.baseAddress {
                yaml_parser_set_input_string(&parser, base, buffer.count)
            } else {
                yaml_parser_set_input_string(&parser, &empty, 0)
            }
            return withUnsafeMutablePointer(to: &parser) { pointer in
                var builder = TreeBuilder(events: EventReader(parser: pointer, input: buffer), limits: limits)
                return Result { () throws(YAMLError) in try builder.stream() }
            }
        }
        return try result.get()
    }

    /// The single document of the stream; zero documents give a null node, several are an error.
    public func parseSingle(_ bytes: [UInt8]) throws(YAMLError) -> YAMLNode {
        let documents = try parse(bytes)
        guard documents.count <= 1 else {
            throw YAMLError(.structure, "expected one document, found \(documents.count)", mark: documents[1].mark)
        }
        return documents.first ?? .scalar("")
    }
}

/// libyaml's events copied into Swift values (the C event is freed right after).
enum Event {
    case streamStart, streamEnd, documentStart, documentEnd, sequenceEnd, mappingEnd
    case alias(anchor: String)
    case scalar(anchor: String?, tag: String?, value: String, style: YAMLScalarStyle)
    case sequenceStart(anchor: String?, tag: String?)
    case mappingStart(anchor: String?, tag: String?)
}

struct EventReader {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    /// The bytes being parsed, to place reader errors (libyaml gives only a byte offset for those).
    let input: UnsafeBufferPointer<UInt8>

    mutating func next() throws(YAMLError) -> (Event, YAMLMark) {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT: return (.streamStart, mark)
        case YAML_STREAM_END_EVENT: return (.streamEnd, mark)
        case YAML_DOCUMENT_START_EVENT: return (.documentStart, mark)
        case YAML_DOCUMENT_END_EVENT: return (.documentEnd, mark)
        case YAML_SEQUENCE_END_EVENT: return (.sequenceEnd, mark)
        case YAML_MAPPING_END_EVENT: return (.mappingEnd, mark)
        case YAML_ALIAS_EVENT:
            return (.alias(anchor: string(event.data.alias.anchor) ?? ""), mark)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let value = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
            return (.scalar(anchor: string(s.anchor), tag: tag(s.tag), value: value, style: style(s.style)), mark)
        case YAML_SEQUENCE_START_EVENT:
            return (.sequenceStart(anchor: string(event.data.sequence_start.anchor),
                                   tag: tag(event.data.sequence_start.tag)), mark)
        case YAML_MAPPING_START_EVENT:
            return (.mappingStart(anchor: string(event.data.mapping_start.anchor),
                                  tag: tag(event.data.mapping_start.tag)), mark)
        default:
            throw YAMLError(.syntax, "unexpected libyaml event \(event.type.rawValue)", mark: mark)
        }
    }

    private func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: UnsafePointer($0)) }
    }

    /// libyaml reports the non-specific tag `!` for quoted scalars written as `! "x"`: no tag.
    private func tag(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let t = string(p), t != "!" else { return nil }
        return t
    }

    private func style(_ s: yaml_scalar_style_t) -> YAMLScalarStyle {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    /// libyaml's own words, e.g. "while parsing a block mapping: did not find expected key".
    private func syntaxError() -> YAMLError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid yaml"
        var message = problem
        if let context = p.context.map({ String(cString: $0) }) { message = "\(context): \(problem)" }
        if p.error == YAML_READER_ERROR {
            // The reader reports a byte offset only (it runs before line counting).
            return YAMLError(.syntax, message + " at byte \(p.problem_offset)", mark: mark(ofByte: Int(p.problem_offset)))
        }
        let mark = p.problem_mark
        return YAMLError(.syntax, message, mark: YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1))
    }

    private func mark(ofByte offset: Int) -> YAMLMark {
        let prefix = input.prefix(max(0, min(offset, input.count)))
        let line = prefix.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = prefix.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return YAMLMark(line: line, column: prefix.count - lineStart + 1)
    }
}
