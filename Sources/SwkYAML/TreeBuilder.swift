/// Builds `YAMLNode` trees from the event stream: resolves aliases, merges `<<` keys, rejects
/// duplicate keys (naming both lines) and enforces the depth and node limits.
struct TreeBuilder {
    var events: EventReader
    let limits: YAMLParser.Limits
    /// Anchors of the current document with the expanded size of their node.
    private var anchors: [String: (node: YAMLNode, weight: Int)] = [:]
    /// Nodes in the stream so far, aliases counted at their expanded size.
    private var nodeCount = 0

    init(events: EventReader, limits: YAMLParser.Limits) {
        self.events = events
        self.limits = limits
    }

    mutating func stream() throws(YAMLError) -> [YAMLNode] {
        var documents: [YAMLNode] = []
        while true {
            let (event, mark) = try events.next()
            switch event {
            case .streamStart: continue
            case .streamEnd: return documents
            case .documentStart:
                guard documents.count < limits.maxDocuments else {
                    throw YAMLError(.structure, "more than \(limits.maxDocuments) documents", mark: mark)
                }
                anchors = [:]
                let (start, startMark) = try events.next()
                documents.append(try node(start, startMark, depth: 1).node)
                let (end, endMark) = try events.next()
                guard case .documentEnd = end else {
                    throw YAMLError(.syntax, "expected the end of the document", mark: endMark)
                }
            default:
                throw YAMLError(.syntax, "unexpected event outside a document", mark: mark)
            }
        }
    }

    private mutating func count(_ weight: Int, at mark: YAMLMark) throws(YAMLError) {
        nodeCount += weight
        guard nodeCount <= limits.maxNodes else {
            throw YAMLError(.structure, "more than \(limits.maxNodes) nodes (after expanding aliases)", mark: mark)
        }
    }

    private mutating func node(_ event: Event, _ mark: YAMLMark, depth: Int) throws(YAMLError) -> (node: YAMLNode, weight: Int) {
        guard depth <= limits.maxDepth else {
            throw YAMLError(.structure, "nesting deeper than \(limits.maxDepth) levels", mark: mark)
        }
        switch event {
        case .alias(let anchor):
            guard let target = anchors[anchor] else {
                throw YAMLError(.structure, "unknown anchor \"\(anchor)\"", mark: mark)
            }
            try count(target.weight, at: mark)
            var copy = target.node
            copy.mark = mark
            return (copy, target.weight)
        case .scalar(let anchor, let tag, let value, let style):
            try count(1, at: mark)
            let built = YAMLNode(.scalar(value, style), mark: mark, tag: tag)
            if let anchor { anchors[anchor] = (built, 1) }
            return (built, 1)
        case .sequenceStart(let anchor, let tag):
            try count(1, at: mark)
            var items: [YAMLNode] = []
            var weight = 1
            while true {
                let (next, nextMark) = try events.next()
                if case .sequenceEnd = next { break }
                let child = try node(next, nextMark, depth: depth + 1)
                items.append(child.node)
                weight += child.weight
            }
            let built = YAMLNode(.sequence(items), mark: mark, tag: tag)
            if let anchor { anchors[anchor] = (built, weight) }
            return (built, weight)
        case .mappingStart(let anchor, let tag):
            try count(1, at: mark)
            var pairs: [YAMLPair] = []
            var merged: [YAMLPair] = []
            var seen: [String: YAMLMark] = [:]
            var weight = 1
            while true {
                let (next, nextMark) = try events.next()
                if case .mappingEnd = next { break }
                let key = try node(next, nextMark, depth: depth + 1)
                let (valueEvent, valueMark) = try events.next()
                let value = try node(valueEvent, valueMark, depth: depth + 1)
                weight += key.weight + value.weight
                if isMergeKey(key.node) {
                    merged += try mergeSources(value.node)
                    continue
                }
                if let text = key.node.scalarText {
                    if let first = seen[text] {
                        throw YAMLError(.structure, "duplicate key \"\(text)\" (first defined at line \(first.line), column \(first.column))",
                                        mark: key.node.mark)
                    }
                    seen[text] = key.node.mark
                }
                pairs.append(YAMLPair(key: key.node, value: value.node))
            }
            // Explicit keys win over merged ones; among merged sources the first wins (YAML merge spec).
            for pair in merged {
                let text = pair.key.scalarText ?? ""
                guard seen[text] == nil else { continue }
                seen[text] = pair.key.mark
                pairs.append(pair)
            }
            let built = YAMLNode(.mapping(pairs), mark: mark, tag: tag)
            if let anchor { anchors[anchor] = (built, weight) }
            return (built, weight)
        default:
            throw YAMLError(.syntax, "unexpected event where a value was expected", mark: mark)
        }
    }

    private func isMergeKey(_ key: YAMLNode) -> Bool {
        guard case .scalar("<<", .plain) = key.kind else { return false }
        return key.tag == nil || key.tag == "tag:yaml.org,2002:merge"
    }

    private func mergeSources(_ value: YAMLNode) throws(YAMLError) -> [YAMLPair] {
        switch value.kind {
        case .mapping(let pairs): return pairs
        case .sequence(let items):
            var out: [YAMLPair] = []
            for item in items {
                guard let pairs = item.mapping else {
                    throw YAMLError(.structure, "a merge key (<<) needs a mapping or a list of mappings", mark: item.mark)
                }
                out += pairs
            }
            return out
        case .scalar:
            throw YAMLError(.structure, "a merge key (<<) needs a mapping or a list of mappings", mark: value.mark)
        }
    }
}
