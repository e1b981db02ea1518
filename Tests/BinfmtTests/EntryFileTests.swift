import DotslashBinfmt
import Testing

/// Entry files exactly as Linux prints them (captured from a real kernel).
enum KernelSamples {
    /// Debian's python3.11 package registers its byte-code magic.
    static let python311 = "enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\nmagic a70d0d0a\n"
    /// qemu-user-static's aarch64 entry: long magic with a mask, every flag.
    static let qemuAarch64 = """
        enabled
        interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
        flags: POCF
        offset 0
        magic 7f454c460201010000000000000000000200b700
        mask ffffffffffffff00fffffffffffffffffeffffff

        """
    /// A disabled extension entry.
    static let jarDisabled = "disabled\ninterpreter /usr/bin/jexec\nflags: \nextension .jar\n"
    /// One of ours.
    static let owned = "enabled\ninterpreter /var/lib/dotslash/runners/python-0123456789abcdef\nflags: F\nextension .py\n"
}

@Suite("Parsing the kernel's entry files")
struct EntryFileTests {
    @Test("a foreign magic entry without mask (Debian's python3.11)")
    func python311() throws {
        let entry = try EntryFile.parse(KernelSamples.python311, name: "python3.11", path: "/b/python3.11")
        #expect(entry == BinfmtEntry(name: "python3.11", match: .magic(offset: 0, bytes: [0xa7, 0x0d, 0x0d, 0x0a], mask: nil),
                                     interpreter: "/usr/bin/python3.11", flags: [], enabled: true))
        #expect(!entry.isOwned)
    }

    @Test("a foreign magic entry with mask and all flags (qemu-aarch64)")
    func qemu() throws {
        let entry = try EntryFile.parse(KernelSamples.qemuAarch64, name: "qemu-aarch64", path: "/b/qemu-aarch64")
        guard case .magic(let offset, let bytes, let mask) = entry.match else {
            Issue.record("expected a magic entry, got \(entry.match)")
            return
        }
        #expect(offset == 0)
        #expect(bytes.count == 20 && bytes.prefix(4) == [0x7f, 0x45, 0x4c, 0x46] && bytes[18] == 0xb7)
        #expect(mask?.count == 20 && mask?[7] == 0x00 && mask?[16] == 0xfe)
        #expect(entry.flags == [.preserveArgv0, .openBinary, .credentials, .fixBinary])
        #expect(entry.interpreter == "/usr/libexec/qemu-binfmt/aarch64-binfmt-P")
    }

    @Test("a disabled extension entry")
    func disabledExtension() throws {
        let entry = try EntryFile.parse(KernelSamples.jarDisabled, name: "jar", path: "/b/jar")
        #expect(entry == BinfmtEntry(name: "jar", match: .extension("jar"), interpreter: "/usr/bin/jexec",
                                     flags: [], enabled: false))
    }

    @Test("an owned entry")
    func owned() throws {
        let entry = try EntryFile.parse(KernelSamples.owned, name: "dotslash-python-py", path: "/b/x")
        #expect(entry == .owned(language: "python", extension: "py",
                                interpreter: "/var/lib/dotslash/runners/python-0123456789abcdef"))
        #expect(entry.isOwned)
    }

    @Test("every flag subset parses", arguments: 0..<16)
    func flagSubsets(bits: Int) throws {
        let flags = BinfmtEntry.Flags(rawValue: UInt8(bits))
        let text = "enabled\ninterpreter /x\nflags: \(flags.letters)\nextension .y\n"
        #expect(try EntryFile.parse(text, name: "y", path: "/b/y").flags == flags)
    }

    @Test("an interpreter path with spaces and an extension holding ':' (another separator) parse")
    func unusualForeignFields() throws {
        let text = "enabled\ninterpreter /opt/my tools/run\nflags: \nextension .a:b\n"
        let entry = try EntryFile.parse(text, name: "odd", path: "/b/odd")
        #expect(entry.interpreter == "/opt/my tools/run")
        #expect(entry.match == .extension("a:b"))
    }

    @Test("malformed files are errors naming the file and the line", arguments: [
        ("", 1), ("enabled", 1), ("on\ninterpreter /x\nflags: \nextension .y\n", 1),
        ("enabled\n", 2), ("enabled\ninterp /x\nflags: \nextension .y\n", 2),
        ("enabled\ninterpreter \nflags: \nextension .y\n", 2),
        ("enabled\ninterpreter /x\nflags: FP\nextension .y\n", 3),
        ("enabled\ninterpreter /x\nflags: X\nextension .y\n", 3),
        ("enabled\ninterpreter /x\nflags: PP\nextension .y\n", 3),
        ("enabled\ninterpreter /x\nflags:\nextension .y\n", 3),
        ("enabled\ninterpreter /x\nflags: \nextension .\n", 4),
        ("enabled\ninterpreter /x\nflags: \nsomething else\n", 4),
        ("enabled\ninterpreter /x\nflags: \noffset -1\nmagic 41\n", 4),
        ("enabled\ninterpreter /x\nflags: \noffset 256\nmagic 41\n", 4),
        ("enabled\ninterpreter /x\nflags: \noffset 99999999999999999999\nmagic 41\n", 4),
        ("enabled\ninterpreter /x\nflags: \noffset 0\n", 5),
        ("enabled\ninterpreter /x\nflags: \noffset 0\nmagic 4\n", 5),
        ("enabled\ninterpreter /x\nflags: \noffset 0\nmagic zz\n", 5),
        ("enabled\ninterpreter /x\nflags: \noffset 0\nmagic \n", 5),
        ("enabled\ninterpreter /x\nflags: \noffset 0\nmagic 4142\nmask ff\n", 6),
        ("enabled\ninterpreter /x\nflags: \noffset 0\nmagic 41\nmusk ff\n", 6),
        ("enabled\ninterpreter /x\nflags: \noffset 0\nmagic 41\nmask ff\nextra\n", 7),
        ("enabled\ninterpreter /x\nflags: \nextension .y\nextra\n", 5),
        ("enabled\ninterpreter /x\nflags: \nextension .y", 4),
    ])
    func malformed(text: String, line: Int) {
        do {
            let entry = try EntryFile.parse(text, name: "bad", path: "/b/bad")
            Issue.record("parsed \(entry) from \(text.debugDescription)")
        } catch let error as BinfmtError {
            guard case .malformedEntryFile(let path, let errorLine, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == "/b/bad")
            #expect(errorLine == line, "\(error.message)")
            #expect(error.message.hasPrefix("/b/bad:\(line): not a binfmt_misc entry"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("binary garbage is an error, not a crash")
    func garbage() {
        let text = String(decoding: (0..<255).map { UInt8($0) }, as: UTF8.self)
        #expect(throws: BinfmtError.self) { try EntryFile.parse(text, name: "g", path: "/b/g") }
    }
}
