internal import CYAML

/// A YAML problem at a position, before any manifest rule applies.
struct YAMLError: Error, Sendable {
    var message: String
    var line: Int
    var column: Int
}

/// Reads one YAML document into a `YAMLNode` tree through libyaml's event
/// API. Defends against hostile input: nesting depth and alias expansion are
/// bounded, and every problem carries its 1-based line and column.
final class YAMLReader {
    static let maximumDepth = 64
    static let maximumNodes = 1_000_000

    private var parser = yaml_parser_t()
    private let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        yaml_parser_initialize(&parser)
    }

    deinit {
        yaml_parser_delete(&parser)
    }

    /// The document's root node; nil for a stream with no document.
    /// Duplicate keys are reported through `duplicateKey` and skipped.
    func read(duplicateKey: (_ key: YAMLNode, _ first: YAMLNode) -> Void) throws(YAMLError) -> YAMLNode? {
        var root: YAMLNode?
        var documents = 0
        var anchors: [String: YAMLNode] = [:]
        var nodeCount = 0
        // Open collections, innermost last; iterative so depth costs no stack.
        var stack: [OpenCollection] = []

        try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) != 0 else { throw parserError() }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                let column = Int(event.start_mark.column) + 1

                var finished: (node: YAMLNode, anchor: String?)?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 {
                        throw YAMLError(
                            message: "a manifest holds one YAML document; found a second one (remove the '---')",
                            line: line, column: column)
                    }
                case YAML_SCALAR_EVENT:
                    let data = event.data.scalar
                    let text = Self.string(data.value, length: data.length)
                    let tag = data.tag.map { String(cString: $0) }
                    let isPlain = data.style == YAML_PLAIN_SCALAR_STYLE && tag == nil
                    let node = YAMLNode(
                        kind: .scalar(YAMLScalar(text: text, isPlain: isPlain, tag: tag)), line: line, column: column)
                    finished = (node, data.anchor.map { String(cString: $0) })
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    if stack.count >= Self.maximumDepth {
                        throw YAMLError(
                            message: "nesting deeper than \(Self.maximumDepth) levels; a manifest needs at most 5",
                            line: line, column: column)
                    }
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchorPointer = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                    stack.append(OpenCollection(
                        isMapping: isMapping, line: line, column: column,
                        anchor: anchorPointer.map { String(cString: $0) }))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let open = stack.popLast() else { break }
                    finished = (open.node(), open.anchor)
                case YAML_ALIAS_EVENT:
                    let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                    guard let target = anchors[name] else {
                        throw YAMLError(
                            message: "alias '*\(name)' refers to no anchor defined before it (define '&\(name)' first)",
                            line: line, column: column)
                    }
                    var copy = target
                    copy.line = line
                    copy.column = column
                    finished = (copy, nil)
                default:
                    break
                }

                guard let (node, anchor) = finished else { continue }
                nodeCount += Self.size(of: node)
                if nodeCount > Self.maximumNodes {
                    throw YAMLError(
                        message: "the document expands to more than \(Self.maximumNodes) nodes (aliases nested too deep?)",
                        line: line, column: column)
                }
                if let anchor { anchors[anchor] = node }
                if stack.isEmpty {
                    root = node
                } else {
                    try stack[stack.count - 1].add(node, duplicateKey: duplicateKey)
                }
            }
        }
        return root
    }

    private func parserError() -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        var message = problem
        if let context { message = "\(problem) (\(context))" }
        if parser.error == YAML_MEMORY_ERROR { message = "out of memory while parsing" }
        return YAMLError(message: "YAML syntax: \(message)", line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// Counted so that aliases of aliases cannot blow up memory or time.
    private static func size(of node: YAMLNode) -> Int {
        switch node.kind {
        case .scalar: return 1
        case .sequence(let items): return 1 + items.count
        case .mapping(let pairs): return 1 + pairs.count * 2
        }
    }
}

/// A sequence or mapping whose end event has not arrived yet.
private struct OpenCollection {
    var isMapping: Bool
    var line: Int
    var column: Int
    var anchor: String?
    var items: [YAMLNode] = []
    var pairs: [YAMLPair] = []
    var pendingKey: YAMLNode?
    var keys: [String: YAMLNode] = [:]
    /// Pairs brought in by merge keys; explicit keys override them.
    var merged: [YAMLPair] = []

    mutating func add(_ node: YAMLNode, duplicateKey: (YAMLNode, YAMLNode) -> Void) throws(YAMLError) {
        guard isMapping else {
            items.append(node)
            return
        }
        guard let key = pendingKey else {
            guard case .scalar = node.kind else {
                throw YAMLError(message: "mapping keys must be plain text, not \(node.typeName)",
                                line: node.line, column: node.column)
            }
            pendingKey = node
            return
        }
        pendingKey = nil
        let pair = YAMLPair(key: key, value: node)
        if case .scalar(let scalar) = key.kind, scalar.isPlain, scalar.text == "<<" {
            try merge(node)
            return
        }
        if let first = keys[pair.keyText] {
            duplicateKey(key, first)
            return
        }
        keys[pair.keyText] = key
        pairs.append(pair)
    }

    /// YAML merge keys: `<<: *defaults` or `<<: [*a, *b]` (earlier wins).
    private mutating func merge(_ value: YAMLNode) throws(YAMLError) {
        let sources: [YAMLNode]
        switch value.kind {
        case .mapping: sources = [value]
        case .sequence(let items): sources = items
        case .scalar:
            throw YAMLError(message: "a merge key '<<' takes a mapping or a list of mappings",
                            line: value.line, column: value.column)
        }
        for source in sources {
            guard case .mapping(let sourcePairs) = source.kind else {
                throw YAMLError(message: "a merge key '<<' takes a mapping or a list of mappings",
                                line: source.line, column: source.column)
            }
            for pair in sourcePairs where !merged.contains(where: { $0.keyText == pair.keyText }) {
                merged.append(pair)
            }
        }
    }

    func node() -> YAMLNode {
        if isMapping {
            let inherited = merged.filter { keys[$0.keyText] == nil }
            return YAMLNode(kind: .mapping(pairs + inherited), line: line, column: column)
        }
        return YAMLNode(kind: .sequence(items), line: line, column: column)
    }
}
