import DotslashBinfmt
import Testing

@Suite("Register strings")
struct RegisterStringTests {
    let runner = "/var/lib/dotslash/runners/python-0123456789abcdef"

    @Test("an extension entry renders as :name:E::ext::interp:F")
    func extensionEntry() throws {
        let entry = BinfmtEntry.owned(language: "python", extension: "py", interpreter: runner)
        #expect(try RegisterString.render(entry) == ":dotslash-python-py:E::py::\(runner):F")
    }

    @Test("an extension with + renders literally")
    func extensionWithPlus() throws {
        let entry = BinfmtEntry.owned(language: "cpp", extension: "c++", interpreter: runner)
        #expect(try RegisterString.render(entry) == ":dotslash-cpp-c++:E::c++::\(runner):F")
    }

    @Test("magic and mask bytes, including ':', '\\\\' and NUL, are all written as \\xHH")
    func magicEscaping() throws {
        let entry = BinfmtEntry.owned(language: "odd", magicIndex: 1, offset: 3,
                                      bytes: [0x3a, 0x5c, 0x00, 0x23, 0x3b, 0x20, 0x0a, 0xff],
                                      mask: [0xff, 0xff, 0xff, 0x0f, 0xf0, 0x00, 0xff, 0x80],
                                      interpreter: runner)
        #expect(try RegisterString.render(entry)
            == #":dotslash-odd-magic1:M:3:\x3a\x5c\x00\x23\x3b\x20\x0a\xff:\xff\xff\xff\x0f\xf0\x00\xff\x80:"#
            + "\(runner):F")
    }

    @Test("a magic without mask leaves the mask field empty")
    func magicWithoutMask() throws {
        let entry = BinfmtEntry.owned(language: "lisp", magicIndex: 2, offset: 0, bytes: [0xa7, 0x0d],
                                      mask: nil, interpreter: runner)
        #expect(try RegisterString.render(entry) == #":dotslash-lisp-magic2:M:0:\xa7\x0d::"# + "\(runner):F")
    }

    @Test("a 256-byte magic at offset 0 renders and fits")
    func largestMagic() throws {
        let bytes = (0..<256).map { UInt8($0) }
        let entry = BinfmtEntry.owned(language: "big", magicIndex: 1, offset: 0, bytes: bytes, mask: nil,
                                      interpreter: runner)
        let text = try RegisterString.render(entry)
        #expect(text.hasPrefix(#":dotslash-big-magic1:M:0:\x00\x01\x02"#))
        #expect(text.contains(#"\xfe\xff::"#))
        #expect(text.utf8.count == ":dotslash-big-magic1:M:0:".utf8.count + 256 * 4 + 2 + runner.utf8.count + 2)
    }

    @Test("flags are written in the order POCF, always with F", arguments: 0..<16)
    func everyFlagCombination(bits: Int) throws {
        let flags = BinfmtEntry.Flags(rawValue: UInt8(bits))
        let entry = BinfmtEntry(name: "dotslash-x-y", match: .extension("y"), interpreter: runner, flags: flags)
        let rendered = try RegisterString.render(entry)
        var expected = ""
        if flags.contains(.preserveArgv0) { expected += "P" }
        // The kernel turns C into OC; dotslash writes what the kernel will show.
        if flags.contains(.openBinary) || flags.contains(.credentials) { expected += "O" }
        if flags.contains(.credentials) { expected += "C" }
        expected += "F"
        #expect(rendered == ":dotslash-x-y:E::y::\(runner):\(expected)")
    }

    @Test("a string longer than the kernel's buffer (less systemd-binfmt's newline) is refused")
    func tooLong() throws {
        let bytes = [UInt8](repeating: 0x41, count: 240)
        let entry = BinfmtEntry.owned(language: "big", magicIndex: 1, offset: 0, bytes: bytes, mask: bytes,
                                      interpreter: runner)
        let length = ":dotslash-big-magic1:M:0:".utf8.count + 960 + 1 + 960 + 1 + runner.utf8.count + 2
        #expect(throws: BinfmtError.registerStringTooLong(name: entry.name, length: length, limit: 1919)) {
            try RegisterString.render(entry)
        }
    }

    @Test("exactly 1919 bytes is accepted, 1920 is not")
    func limitBoundary() throws {
        let prefix = ":dotslash-x-y:E::y::/"
        let fits = BinfmtEntry(name: "dotslash-x-y", match: .extension("y"),
                               interpreter: "/" + String(repeating: "i", count: 1919 - prefix.utf8.count - 2))
        #expect(try RegisterString.render(fits).utf8.count == 1919)
        var over = fits
        over.interpreter += "i"
        #expect(throws: BinfmtError.registerStringTooLong(name: "dotslash-x-y", length: 1920, limit: 1919)) {
            try RegisterString.render(over)
        }
    }

    @Test("names the kernel or binfmt.d can't carry are refused", arguments: [
        "", ".", "..", "a/b", "a:b", "register", "status", "new\nline", "nul\u{0}", String(repeating: "n", count: 256),
    ])
    func invalidNames(name: String) {
        let entry = BinfmtEntry(name: name, match: .extension("y"), interpreter: runner)
        #expect(throws: BinfmtError.self) { try RegisterString.render(entry) }
        #expect(RegisterString.nameProblem(name) != nil)
    }

    @Test("a name with a dot, like the temporary <name>.next, is valid")
    func dottedName() {
        #expect(RegisterString.nameProblem("dotslash-python-py.next") == nil)
        #expect(RegisterString.nameProblem(String(repeating: "n", count: 255)) == nil)
    }

    @Test("invalid extensions, magic, masks and interpreters are refused with a reason", arguments: [
        BinfmtEntry.Match.extension(""), .extension("tar.gz"), .extension("a/b"), .extension("a:b"),
        .extension("a\nb"),
        .magic(offset: 0, bytes: [], mask: nil), .magic(offset: -1, bytes: [1], mask: nil),
        .magic(offset: 0, bytes: [UInt8](repeating: 1, count: 257), mask: nil),
        .magic(offset: 255, bytes: [1, 2], mask: nil),
        .magic(offset: 0, bytes: [1, 2], mask: [0xff]), .magic(offset: 0, bytes: [1], mask: []),
    ])
    func invalidMatches(match: BinfmtEntry.Match) {
        let entry = BinfmtEntry(name: "dotslash-x-y", match: match, interpreter: runner)
        #expect(throws: BinfmtError.self) { try RegisterString.render(entry) }
    }

    @Test("the last byte the kernel reads can be matched: offset 255 with one byte")
    func lastHeaderByte() throws {
        let entry = BinfmtEntry(name: "dotslash-x-magic1", match: .magic(offset: 255, bytes: [1], mask: nil),
                                interpreter: runner)
        #expect(try RegisterString.render(entry) == #":dotslash-x-magic1:M:255:\x01::"# + "\(runner):F")
    }

    @Test("interpreters must be absolute, without ':' or control characters", arguments: [
        "", "relative/runner", "/a:b", "/a\nb",
    ])
    func invalidInterpreters(interpreter: String) {
        let entry = BinfmtEntry(name: "dotslash-x-y", match: .extension("y"), interpreter: interpreter)
        #expect(throws: BinfmtError.self) { try RegisterString.render(entry) }
    }

    @Test("preflight also requires the <name>.next twin to fit, and ownership")
    func preflight() throws {
        let prefix = ":dotslash-x-y:E::y::/"
        let fitsAlone = BinfmtEntry(name: "dotslash-x-y", match: .extension("y"),
                                    interpreter: "/" + String(repeating: "i", count: 1919 - prefix.utf8.count - 2))
        _ = try RegisterString.render(fitsAlone)
        #expect(throws: BinfmtError.self) { try RegisterString.preflight(fitsAlone) }
        let foreign = BinfmtEntry(name: "python3.11", match: .extension("py"), interpreter: runner)
        #expect(throws: BinfmtError.notOwned(name: "python3.11")) { try RegisterString.preflight(foreign) }
    }
}
