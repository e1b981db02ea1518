/// A manifest file's text, kept to quote lines in diagnostics.
struct SourceFile: Sendable {
    let path: String
    let bytes: [UInt8]
    private let lines: [ArraySlice<UInt8>]

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }

    func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }

    /// Line `number` (1-based) without its line break; nil past the end.
    func line(_ number: Int) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        var line = lines[number - 1]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }

    func diagnostic(_ severity: Diagnostic.Severity, _ message: String, line: Int, column: Int) -> Diagnostic {
        Diagnostic(severity, message, at: location(line: line, column: column), sourceLine: self.line(line))
    }
}
