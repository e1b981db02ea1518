/// Typed access to one YAML mapping of a manifest, reporting unknown keys
/// (with a "did you mean" hint) and values of the wrong type.
struct MappingReader {
    let pairs: [YAMLPair]
    /// How the mapping is named in messages, e.g. "language 'python'".
    let context: String
    let allowedKeys: [String]

    init(_ pairs: [YAMLPair], context: String, allowedKeys: [String]) {
        self.pairs = pairs
        self.context = context
        self.allowedKeys = allowedKeys
    }

    func value(_ key: String) -> YAMLPair? {
        pairs.first { $0.keyText == key }
    }

    func checkKeys(into report: inout Report) {
        for pair in pairs where !allowedKeys.contains(pair.keyText) {
            var message = "unknown key '\(pair.keyText)' in \(context)"
            if let suggestion = Suggestion.closest(to: pair.keyText, among: allowedKeys) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += " (known keys: \(allowedKeys.joined(separator: ", ")))"
            }
            report.error(message, at: pair.key)
        }
    }
}

/// Collects the diagnostics of one manifest file.
struct Report {
    let source: SourceFile
    var diagnostics = DiagnosticList()

    mutating func error(_ message: String, at node: YAMLNode) {
        diagnostics.append(source.diagnostic(.error, message, line: node.line, column: node.column))
    }

    mutating func warning(_ message: String, at node: YAMLNode) {
        diagnostics.append(source.diagnostic(.warning, message, line: node.line, column: node.column))
    }

    mutating func note(_ message: String, at location: SourceLocation, sourceLine: String?) {
        diagnostics.append(Diagnostic(.note, message, at: location, sourceLine: sourceLine))
    }

    func location(of node: YAMLNode) -> SourceLocation {
        source.location(line: node.line, column: node.column)
    }

    // MARK: Typed values

    /// A string value. Plain numbers are accepted as their text (`hex: 0102`)
    /// when `allowNumbers`; booleans and null never are.
    mutating func string(_ node: YAMLNode, _ what: String, allowNumbers: Bool = true) -> String? {
        guard case .scalar(let scalar) = node.kind else {
            error("\(what) must be a string, not \(node.typeName)", at: node)
            return nil
        }
        switch scalar.resolvedType {
        case .string:
            break
        case .int where allowNumbers, .float where allowNumbers:
            break
        default:
            error("\(what) must be a string, not \(scalar.resolvedType.name); quote it: \"\(scalar.text)\"", at: node)
            return nil
        }
        if scalar.text.contains("\0") {
            error("\(what) must not contain a NUL character", at: node)
            return nil
        }
        return scalar.text
    }

    mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case .scalar(let scalar) = node.kind else {
            error("\(what) must be true or false, not \(node.typeName)", at: node)
            return nil
        }
        if case .bool(let value) = scalar.resolvedType { return value }
        error("\(what) must be true or false, not '\(scalar.text)'", at: node)
        return nil
    }

    mutating func int(_ node: YAMLNode, _ what: String) -> Int? {
        if case .scalar(let scalar) = node.kind, case .int(let value) = scalar.resolvedType { return value }
        error("\(what) must be an integer, not \(node.typeName)", at: node)
        return nil
    }

    mutating func mapping(_ node: YAMLNode, _ what: String, hint: String = "") -> [YAMLPair]? {
        if case .mapping(let pairs) = node.kind { return pairs }
        error("\(what) must be a mapping, not \(node.typeName)\(hint)", at: node)
        return nil
    }

    /// A list; a single scalar is not accepted (`hint` says how to write it).
    mutating func sequence(_ node: YAMLNode, _ what: String, hint: String = "") -> [YAMLNode]? {
        if case .sequence(let items) = node.kind { return items }
        error("\(what) must be a list, not \(node.typeName)\(hint)", at: node)
        return nil
    }

    /// A list of strings, each reported on its own.
    mutating func strings(_ node: YAMLNode, _ what: String, hint: String = "") -> [(String, YAMLNode)]? {
        guard let items = sequence(node, what, hint: hint) else { return nil }
        var out: [(String, YAMLNode)] = []
        for item in items {
            if let text = string(item, "each item of \(what)") { out.append((text, item)) }
        }
        return out
    }

    /// One of `choices`.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, as: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, what, allowNumbers: false) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")
        error("\(what) must be \(names), not '\(text)'", at: node)
        return nil
    }
}
