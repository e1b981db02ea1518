import DotslashBinfmt
import Foundation
import TestSupport
import Testing

@Suite("binfmt.d persistence")
struct PersistenceTests {
    let py = BinfmtEntry.owned(language: "python", extension: "py", interpreter: "/r/python-1")
    let odd = BinfmtEntry.owned(language: "odd", magicIndex: 1, offset: 0, bytes: [0x23, 0x3b, 0x20, 0x0a, 0x00],
                                mask: nil, interpreter: "/r/odd-1", flags: [.preserveArgv0])

    @Test("a comment header, then one register line per owned enabled entry, in name order")
    func render() throws {
        var disabled = BinfmtEntry.owned(language: "ruby", extension: "rb", interpreter: "/r/ruby-1")
        disabled.enabled = false
        let foreign = BinfmtEntry(name: "python3.11", match: .extension("py3"), interpreter: "/usr/bin/python3")
        let text = try BinfmtPersistence.render([py, foreign, disabled, odd])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let rules = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(rules == [
            #":dotslash-odd-magic1:M:0:\x23\x3b\x20\x0a\x00::/r/odd-1:PF"#,
            ":dotslash-python-py:E::py::/r/python-1:F",
        ])
        #expect(lines.first?.hasPrefix("# ") == true)
        #expect(text.hasSuffix("F\n"))
        // Nothing a line reader would split on, or strip, inside the rules.
        #expect(rules.allSatisfy { !$0.contains("\r") && !$0.contains("\0") && $0.first == ":" && $0.last == "F" })
    }

    @Test("written atomically with mode 0644, replacing the previous file, no temporary left")
    func write() throws {
        let dir = try TemporaryDirectory("binfmt-d")
        let target = dir.path + "/etc/binfmt.d"
        let path = try BinfmtPersistence.write([py], to: target).path
        #expect(path == target + "/dotslash.conf")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix(":dotslash-python-py:E::py::/r/python-1:F\n"))
        try BinfmtPersistence.write([odd], to: target)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("dotslash-python-py"))
        #expect(text.contains("dotslash-odd-magic1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["dotslash.conf"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test("the same content is not written again")
    func unchangedIsLeftAlone() throws {
        let dir = try TemporaryDirectory("binfmt-d")
        #expect(try BinfmtPersistence.write([py], to: dir.path).changed)
        let path = dir.path + "/dotslash.conf"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: path)
        #expect(try !BinfmtPersistence.write([py], to: dir.path).changed)
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        #expect(modified == Date(timeIntervalSince1970: 0))
        #expect(try BinfmtPersistence.write([odd], to: dir.path).changed)
    }

    @Test("an entry that can't be rendered writes nothing")
    func failureLeavesFile() throws {
        let dir = try TemporaryDirectory("binfmt-d")
        try BinfmtPersistence.write([py], to: dir.path)
        let before = try String(contentsOfFile: dir.path + "/dotslash.conf", encoding: .utf8)
        let broken = BinfmtEntry.owned(language: "x", extension: "y", interpreter: "relative")
        #expect(throws: BinfmtError.self) { try BinfmtPersistence.write([py, broken], to: dir.path) }
        #expect(try String(contentsOfFile: dir.path + "/dotslash.conf", encoding: .utf8) == before)
    }

    @Test("an unwritable directory is an error with the stage, path and errno")
    func unwritable() throws {
        let dir = try TemporaryDirectory("binfmt-d")
        try "not a directory".write(toFile: dir.path + "/file", atomically: false, encoding: .utf8)
        do {
            try BinfmtPersistence.write([py], to: dir.path + "/file")
            Issue.record("wrote into a file")
        } catch let error as BinfmtError {
            #expect(error.message.hasPrefix("writing the binfmt.d file: \(dir.path)/file"))
            #expect(error.message.contains("ENOTDIR"))
        }
    }
}
