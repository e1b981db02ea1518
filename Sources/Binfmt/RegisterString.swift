/// The string written to binfmt_misc's `register` file, and the kernel's
/// rules for it (fs/binfmt_misc.c, `create_entry`):
///
///     :name:E::ext::interpreter:flags
///     :name:M:offset:magic:mask:interpreter:flags
///
/// The first character is the field separator; dotslash always uses `:`,
/// so no field may contain one. Magic and mask are decoded from `\xHH`
/// escapes; dotslash writes every byte that way, so bytes such as `:`,
/// `\`, NUL, `#`, `;`, space or newline survive both the kernel's parser and
/// systemd-binfmt's line reader. Extension, name and interpreter are taken
/// literally by the kernel, so they are validated instead of escaped.
public enum RegisterString {
    /// The kernel's `MAX_REGISTER_LENGTH`, counting a trailing newline.
    public static let kernelLimit = 1920
    /// systemd-binfmt writes each binfmt.d line followed by a newline in one
    /// write, so a string that must also restore at boot has one byte less.
    public static let limit = kernelLimit - 1
    /// The kernel compares magic within the first `BINPRM_BUF_SIZE` bytes (256 since Linux 5.1).
    public static let headerSize = 256
    /// Entry names are file names in the binfmt_misc directory.
    public static let nameLimit = 255

    /// The register string for `entry`, always with the `F` flag.
    public static func render(_ entry: BinfmtEntry) throws -> String {
        try validate(entry)
        let text = unchecked(entry)
        let length = text.utf8.count
        guard length <= limit else {
            throw BinfmtError.registerStringTooLong(name: entry.name, length: length, limit: limit)
        }
        return text
    }

    /// Checks every field against the kernel's rules and those of binfmt.d
    /// lines, without the length limit.
    public static func validate(_ entry: BinfmtEntry) throws {
        func invalid(_ reason: String) -> BinfmtError { .invalidEntry(name: entry.name, reason: reason) }
        if let problem = nameProblem(entry.name) { throw invalid(problem) }
        switch entry.match {
        case .extension(let ext):
            if ext.isEmpty { throw invalid("the extension is empty") }
            if let bad = ext.first(where: { "/:.".contains($0) }) {
                throw invalid("the extension \(quoted(ext)) contains '\(bad)'; the kernel compares only the text after the last dot, without '/', and ':' separates fields")
            }
            if hasControlCharacter(ext) { throw invalid("the extension contains a control character") }
        case .magic(let offset, let bytes, let mask):
            if bytes.isEmpty { throw invalid("the magic is empty") }
            if offset < 0 { throw invalid("the offset \(offset) is negative") }
            if bytes.count > headerSize || offset > headerSize - bytes.count {
                throw invalid("offset \(offset) plus \(bytes.count) magic bytes exceed the \(headerSize) bytes the kernel reads")
            }
            if let mask {
                if mask.isEmpty { throw invalid("the mask is empty; leave it out to compare every bit") }
                if mask.count != bytes.count {
                    throw invalid("the mask has \(mask.count) bytes, the magic \(bytes.count)")
                }
            }
        }
        let interpreter = entry.interpreter
        if !interpreter.hasPrefix("/") { throw invalid("the interpreter \(quoted(interpreter)) is not an absolute path") }
        if interpreter.contains(":") { throw invalid("the interpreter \(quoted(interpreter)) contains ':', the field separator") }
        if hasControlCharacter(interpreter) { throw invalid("the interpreter contains a control character") }
    }

    /// Why the kernel (or a binfmt.d line) can't carry `name`; nil when it can.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name == "." || name == ".." { return "the name may not be \".\" or \"..\"" }
        if name == "register" || name == "status" { return "the name \(name) is binfmt_misc's own file" }
        if name.contains("/") { return "the name contains '/'" }
        if name.contains(":") { return "the name contains ':', the field separator" }
        if hasControlCharacter(name) { return "the name contains a control character" }
        if name.utf8.count > nameLimit { return "the name is \(name.utf8.count) bytes, file names have at most \(nameLimit)" }
        return nil
    }

    static func unchecked(_ entry: BinfmtEntry) -> String {
        let flags = entry.flags.union(.fixBinary).asRegistered.letters
        switch entry.match {
        case .extension(let ext):
            return ":\(entry.name):E::\(ext)::\(entry.interpreter):\(flags)"
        case .magic(let offset, let bytes, let mask):
            let maskText = mask.map(escaped) ?? ""
            return ":\(entry.name):M:\(offset):\(escaped(bytes)):\(maskText):\(entry.interpreter):\(flags)"
        }
    }

    /// Every byte as `\xHH`.
    static func escaped(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count * 4)
        for byte in bytes {
            out += "\\x" + String(byte, radix: 16).leftPadded(to: 2)
        }
        return out
    }

    /// Control characters end lines in binfmt.d files (newline, carriage
    /// return, NUL) or garble the kernel's entry files.
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }
}

extension RegisterString {
    /// Everything `apply` needs of a desired entry: it is owned, valid and
    /// fits, and so does its `<name>.next` twin used during a gapless update.
    /// The manifest validator can call this to reject an entry early.
    public static func preflight(_ entry: BinfmtEntry) throws {
        guard entry.isOwned else { throw BinfmtError.notOwned(name: entry.name) }
        _ = try render(entry)
        var twin = entry
        twin.name = BinfmtNaming.temporaryName(for: entry.name)
        do {
            _ = try render(twin)
        } catch let error as BinfmtError {
            throw BinfmtError.invalidEntry(
                name: entry.name,
                reason: "its temporary twin \(twin.name), used while replacing it, can't be registered: \(error.message)")
        }
    }
}
