import DotslashBinfmt
import Foundation
import Testing

@Suite("JSON forms")
struct JSONFormTests {
    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("an extension entry is a flat object")
    func extensionEntry() throws {
        let entry = BinfmtEntry.owned(language: "python", extension: "py", interpreter: "/r/python-1")
        #expect(try json(entry) == #"{"enabled":true,"extension":"py","flags":"F","interpreter":"/r/python-1","name":"dotslash-python-py","owned":true,"type":"extension"}"#)
    }

    @Test("a magic entry shows hex bytes, and a null mask when there is none")
    func magicEntry() throws {
        let entry = BinfmtEntry(name: "python3.11", match: .magic(offset: 0, bytes: [0xa7, 0x0d], mask: nil),
                                interpreter: "/usr/bin/python3.11", flags: [.preserveArgv0], enabled: false)
        #expect(try json(entry) == #"{"enabled":false,"flags":"P","interpreter":"/usr/bin/python3.11","magic":"a70d","mask":null,"name":"python3.11","offset":0,"owned":false,"type":"magic"}"#)
    }

    @Test("entries and plans decode back to what was encoded")
    func roundTrip() throws {
        let pyc = BinfmtEntry.owned(language: "python", magicIndex: 1, offset: 4, bytes: [0x3a, 0x00],
                                    mask: [0xff, 0x0f], interpreter: "/r/a", flags: [.credentials])
        let py = BinfmtEntry.owned(language: "python", extension: "py", interpreter: "/r/a")
        var oldPy = py
        oldPy.interpreter = "/r/old"
        let stale = BinfmtEntry.owned(language: "ruby", extension: "rb", interpreter: "/r/b")
        let foreign = BinfmtEntry(name: "py3", match: .extension("py"), interpreter: "/usr/bin/python3", flags: [])
        let plan = try Plan.make(desired: [pyc, py], current: [oldPy, stale, foreign])
        let data = try JSONEncoder().encode(plan)
        #expect(try JSONDecoder().decode(Plan.self, from: data) == plan)
    }

    @Test("a plan shows inSync, per-kind counts, actions with changes, and conflicts with a message")
    func planShape() throws {
        let py = BinfmtEntry.owned(language: "python", extension: "py", interpreter: "/r/new")
        var old = py
        old.interpreter = "/r/old"
        let foreign = BinfmtEntry(name: "py3", match: .extension("py"), interpreter: "/usr/bin/python3", flags: [])
        let plan = try Plan.make(desired: [py], current: [old, foreign])
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(plan)) as? [String: Any])
        #expect(object["inSync"] as? Bool == false)
        #expect(object["summary"] as? [String: Int] == ["add": 0, "update": 1, "remove": 0, "unchanged": 0, "conflicts": 1])
        let action = try #require((object["actions"] as? [[String: Any]])?.first)
        #expect(action["action"] as? String == "update")
        #expect(action["name"] as? String == "dotslash-python-py")
        #expect(action["changes"] as? [[String: String]] == [["field": "interpreter", "old": "/r/old", "new": "/r/new"]])
        let conflict = try #require((object["conflicts"] as? [[String: Any]])?.first)
        #expect(conflict["entry"] as? String == "dotslash-python-py")
        #expect(conflict["reason"] as? String == "same-extension")
        #expect((conflict["foreign"] as? [String: Any])?["name"] as? String == "py3")
        #expect((conflict["message"] as? String)?.contains("py3") == true)
    }

    @Test("bad JSON entries are decoding errors", arguments: [
        #"{"name":"a","type":"magic","magic":"zz","interpreter":"/x"}"#,
        #"{"name":"a","type":"magic","interpreter":"/x"}"#,
        #"{"name":"a","type":"elf","interpreter":"/x"}"#,
        #"{"name":"a","type":"extension","extension":"y","interpreter":"/x","flags":"FP"}"#,
    ])
    func badEntries(text: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BinfmtEntry.self, from: Data(text.utf8)) }
    }
}

@Suite("Naming")
struct NamingTests {
    @Test("entry names follow the design, and only dotslash-* is owned")
    func names() {
        #expect(BinfmtNaming.extensionEntryName(language: "python", extension: "py") == "dotslash-python-py")
        #expect(BinfmtNaming.magicEntryName(language: "python", index: 1) == "dotslash-python-magic1")
        #expect(BinfmtNaming.temporaryName(for: "dotslash-python-py") == "dotslash-python-py.next")
        #expect(BinfmtNaming.isTemporary("dotslash-python-py.next"))
        #expect(!BinfmtNaming.isTemporary("dotslash-python-py"))
        #expect(BinfmtNaming.isOwned("dotslash-python-py"))
        #expect(!BinfmtNaming.isOwned("python3.11"))
        #expect(!BinfmtNaming.isOwned("dotslash"))
    }

    @Test("the language of an entry is the longest matching known language")
    func language() {
        let languages = ["c", "c-sharp", "python"]
        #expect(BinfmtNaming.language(ofEntry: "dotslash-c-sharp-cs", among: languages) == "c-sharp")
        #expect(BinfmtNaming.language(ofEntry: "dotslash-c-c", among: languages) == "c")
        #expect(BinfmtNaming.language(ofEntry: "dotslash-python-magic1", among: languages) == "python")
        #expect(BinfmtNaming.language(ofEntry: "dotslash-ruby-rb", among: languages) == nil)
        #expect(BinfmtNaming.language(ofEntry: "python3.11", among: ["python3.11"]) == nil)
    }
}
