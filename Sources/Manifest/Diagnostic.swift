/// A problem found in a manifest, rendered the way compilers do:
///
///     languages.d/python.yaml:7:5: error: unknown key 'extention'; did you mean 'extensions'?
///         extention: [py]
///         ^
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning, note
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    /// The text of the offending line, for the snippet.
    public var sourceLine: String?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation? = nil, sourceLine: String? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
        self.sourceLine = sourceLine
    }

    static let snippetWidth = 160

    /// `FILE:LINE:COL: severity: message`, or `severity: message` without a place.
    public var headline: String {
        if let location { return "\(location): \(severity.rawValue): \(message)" }
        return "\(severity.rawValue): \(message)"
    }

    /// The headline, the source line and a caret under the column.
    public var description: String {
        guard let location, let sourceLine else { return headline }
        var shown = Substring(sourceLine)
        var caret = max(0, location.column - 1)
        // Quote a window of a very long line (a minified or hostile file).
        if shown.count > Self.snippetWidth {
            let start = max(0, min(caret - Self.snippetWidth / 2, shown.count - Self.snippetWidth))
            shown = shown.dropFirst(start).prefix(Self.snippetWidth)
            caret -= start
            if start > 0 {
                shown = "..." + shown
                caret += 3
            }
        }
        // Keep tabs in the indentation so the caret lines up with the text.
        let indent = shown.prefix(caret).map { $0 == "\t" ? "\t" : " " }.joined()
        return "\(headline)\n\(shown)\n\(indent)^"
    }
}

/// Diagnostics gathered over a whole run: every problem, not only the first.
public struct DiagnosticList: Sendable, Equatable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }

    public mutating func append(_ diagnostic: Diagnostic) {
        items.append(diagnostic)
    }

    public mutating func append(contentsOf other: DiagnosticList) {
        items.append(contentsOf: other.items)
    }

    /// Every diagnostic, rendered, one after another.
    public var rendered: String {
        items.map { $0.description + "\n" }.joined()
    }
}
