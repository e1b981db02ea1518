import DotslashDigest

/// The text the kernel prints for one entry (fs/binfmt_misc.c, `entry_status`):
///
///     enabled                      or: disabled
///     interpreter /usr/bin/x
///     flags: POCF                  any subset in this order, possibly none
///     extension .py                or the three lines:
///                                     offset 0
///                                     magic 7f454c46
///                                     mask ffffffff    (only when a mask was given)
///
/// The content is untrusted: anything else is a `malformedEntryFile` error
/// that names the file and line.
public enum EntryFile {
    public static func parse(_ text: String, name: String, path: String) throws -> BinfmtEntry {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else {
            throw malformed(path, max(lines.count, 1), "the text does not end with a newline")
        }
        lines.removeLast()
        var reader = LineReader(lines: lines, path: path)

        let state = try reader.next("enabled or disabled")
        let enabled: Bool
        switch state {
        case "enabled": enabled = true
        case "disabled": enabled = false
        default: throw reader.unexpected("enabled or disabled", got: state)
        }

        let interpreter = try reader.value(after: "interpreter ")
        if interpreter.isEmpty { throw reader.unexpected("an interpreter path", got: "") }

        let flagText = try reader.value(after: "flags: ")
        guard let flags = BinfmtEntry.Flags(letters: flagText) else {
            throw reader.unexpected("flags among P, O, C, F in that order", got: flagText)
        }

        let match: BinfmtEntry.Match
        let kindLine = try reader.next("extension or offset")
        if kindLine.hasPrefix("extension .") {
            let ext = String(kindLine.dropFirst("extension .".count))
            if ext.isEmpty { throw reader.unexpected("a non-empty extension", got: kindLine) }
            match = .extension(ext)
        } else if kindLine.hasPrefix("offset ") {
            let offsetText = kindLine.dropFirst("offset ".count)
            guard !offsetText.isEmpty, offsetText.allSatisfy(\.isASCIIDigit),
                  let offset = Int(offsetText), offset < RegisterString.headerSize else {
                throw reader.unexpected("an offset below \(RegisterString.headerSize)", got: kindLine)
            }
            let bytes = try reader.hex(after: "magic ")
            var mask: [UInt8]?
            if reader.hasMore {
                let maskBytes = try reader.hex(after: "mask ")
                guard maskBytes.count == bytes.count else {
                    throw reader.unexpected("a mask of \(bytes.count) bytes like the magic", got: "\(maskBytes.count) bytes")
                }
                mask = maskBytes
            }
            match = .magic(offset: offset, bytes: bytes, mask: mask)
        } else {
            throw reader.unexpected("`extension .EXT` or `offset N`", got: kindLine)
        }
        if reader.hasMore {
            let extra = try reader.next("the end of the entry")
            throw reader.unexpected("the end of the entry", got: extra)
        }
        return BinfmtEntry(name: name, match: match, interpreter: interpreter, flags: flags, enabled: enabled)
    }

    static func malformed(_ path: String, _ line: Int, _ reason: String) -> BinfmtError {
        .malformedEntryFile(path: path, line: line, reason: reason)
    }
}

/// Walks an entry file line by line, producing errors that carry the line number.
private struct LineReader {
    let lines: [String]
    let path: String
    private(set) var index = 0

    var hasMore: Bool { index < lines.count }

    mutating func next(_ expected: String) throws -> String {
        guard hasMore else {
            throw EntryFile.malformed(path, index + 1, "expected \(expected), found the end of the file")
        }
        index += 1
        return lines[index - 1]
    }

    mutating func value(after prefix: String) throws -> String {
        let line = try next("`\(prefix)...`")
        guard line.hasPrefix(prefix) else { throw unexpected("`\(prefix)...`", got: line) }
        return String(line.dropFirst(prefix.count))
    }

    mutating func hex(after prefix: String) throws -> [UInt8] {
        let text = try value(after: prefix)
        guard let bytes = Hex.decode(text), !bytes.isEmpty, bytes.count <= RegisterString.headerSize else {
            throw unexpected("1 to \(RegisterString.headerSize) bytes in hex after `\(prefix)`", got: lines[index - 1])
        }
        return bytes
    }

    /// Error for the line read last.
    func unexpected(_ expected: String, got: String) -> BinfmtError {
        let shown = got.count > 80 ? String(got.prefix(80)) + "..." : got
        return EntryFile.malformed(path, max(index, 1), "expected \(expected), got \(quoted(shown))")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
