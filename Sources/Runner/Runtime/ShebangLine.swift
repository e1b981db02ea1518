/// A script's `#!` line, split as the kernel splits it: the interpreter
/// path, then everything after it (trimmed) as one optional argument.
struct ShebangLine: Equatable {
    /// The kernel reads at most this many bytes of the first line.
    static let bufferSize = 256

    var interpreter: String
    var argument: String?

    init(interpreter: String, argument: String?) {
        self.interpreter = interpreter
        self.argument = argument
    }

    init?(_ head: [UInt8]) {
        guard head.count > 2, head[0] == UInt8(ascii: "#"), head[1] == UInt8(ascii: "!") else { return nil }
        var line = head[2...]
        if let newline = line.firstIndex(of: UInt8(ascii: "\n")) { line = line[..<newline] }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let trimmed = line.drop(while: isBlank)
        let end = trimmed.firstIndex(where: isBlank) ?? trimmed.endIndex
        let path = trimmed[trimmed.startIndex..<end]
        guard !path.isEmpty, let interpreter = String(validating: path, as: UTF8.self) else { return nil }
        self.interpreter = interpreter
        var rest = trimmed[end...].drop(while: isBlank)
        while let last = rest.last, isBlank(last) { rest = rest.dropLast() }
        argument = rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)
    }

    /// For `/usr/bin/env [-S] [NAME=value...] PROGRAM ...`: PROGRAM.
    var envProgram: String? {
        guard interpreter.hasSuffix("/env"), let argument else { return nil }
        for word in argument.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            if word.hasPrefix("-") || word.contains("=") { continue }
            return String(word)
        }
        return nil
    }
}
