import DotslashBinfmt
import Testing

@Suite("Planning")
struct PlanTests {
    static let runnerA = "/var/lib/dotslash/runners/python-aaaaaaaaaaaaaaaa"
    static let runnerB = "/var/lib/dotslash/runners/python-bbbbbbbbbbbbbbbb"

    let py = BinfmtEntry.owned(language: "python", extension: "py", interpreter: runnerA)
    let pyc = BinfmtEntry.owned(language: "python", magicIndex: 1, offset: 0, bytes: [0xa7, 0x0d, 0x0d, 0x0a],
                                mask: nil, interpreter: runnerA)
    let python311 = BinfmtEntry(name: "python3.11", match: .magic(offset: 0, bytes: [0xa7, 0x0d, 0x0d, 0x0a], mask: nil),
                                interpreter: "/usr/bin/python3.11", flags: [])

    @Test("an empty table gets every desired entry added, in name order")
    func adds() throws {
        let plan = try Plan.make(desired: [py, pyc], current: [])
        #expect(plan.actions == [.add(pyc), .add(py)])
        #expect(plan.hasChanges)
        #expect(plan.count(of: .add) == 2 && plan.count(of: .update) == 0 && plan.count(of: .remove) == 0)
    }

    @Test("entries present exactly as desired are unchanged and the plan is in sync")
    func unchanged() throws {
        let plan = try Plan.make(desired: [py], current: [py])
        #expect(plan.actions == [.unchanged(py)])
        #expect(!plan.hasChanges)
    }

    @Test("a changed interpreter is an update listing old and new")
    func interpreterUpdate() throws {
        var desired = py
        desired.interpreter = Self.runnerB
        let plan = try Plan.make(desired: [desired], current: [py])
        #expect(plan.actions == [.update(current: py, desired: desired, changes: [
            FieldChange(field: .interpreter, old: Self.runnerA, new: Self.runnerB),
        ])])
        #expect(plan.actions.first?.changes.map(\.description) == ["interpreter: \(Self.runnerA) -> \(Self.runnerB)"])
    }

    @Test("every changed field is listed, in a fixed order")
    func manyFieldsChange() throws {
        let current = BinfmtEntry(name: "dotslash-lisp-magic1", match: .extension("lisp"),
                                  interpreter: Self.runnerA, flags: [.fixBinary], enabled: false)
        let desired = BinfmtEntry(name: "dotslash-lisp-magic1",
                                  match: .magic(offset: 2, bytes: [0x3b, 0x3b], mask: [0xff, 0xdf]),
                                  interpreter: Self.runnerB, flags: [.preserveArgv0, .fixBinary])
        let plan = try Plan.make(desired: [desired], current: [current])
        #expect(plan.actions.first?.changes == [
            FieldChange(field: .type, old: "extension", new: "magic"),
            FieldChange(field: .extension, old: "lisp", new: nil),
            FieldChange(field: .offset, old: nil, new: "2"),
            FieldChange(field: .magic, old: nil, new: "3b3b"),
            FieldChange(field: .mask, old: nil, new: "ffdf"),
            FieldChange(field: .interpreter, old: Self.runnerA, new: Self.runnerB),
            FieldChange(field: .flags, old: "F", new: "PF"),
            FieldChange(field: .state, old: "disabled", new: "enabled"),
        ])
    }

    @Test("magic, mask and offset changes are updates")
    func magicFieldChanges() throws {
        var desired = pyc
        desired.match = .magic(offset: 1, bytes: [0xa7, 0x0d, 0x0d, 0x0b], mask: [0xff, 0xff, 0xff, 0xfe])
        let plan = try Plan.make(desired: [desired], current: [pyc])
        #expect(plan.actions.first?.changes.map(\.field) == [.offset, .magic, .mask])
        #expect(plan.actions.first?.changes.last == FieldChange(field: .mask, old: nil, new: "fffffffe"))
    }

    @Test("a disabled owned entry that otherwise matches is an update of its state only")
    func disabledIsUpdate() throws {
        var current = py
        current.enabled = false
        let plan = try Plan.make(desired: [py], current: [current])
        #expect(plan.actions == [.update(current: current, desired: py, changes: [
            FieldChange(field: .state, old: "disabled", new: "enabled"),
        ])])
    }

    @Test("desired flags are compared as the kernel shows them: F always, C implies O")
    func flagNormalisation() throws {
        let desired = BinfmtEntry(name: "dotslash-x-y", match: .extension("y"), interpreter: Self.runnerA,
                                  flags: [.credentials])
        let shown = BinfmtEntry(name: "dotslash-x-y", match: .extension("y"), interpreter: Self.runnerA,
                                flags: [.openBinary, .credentials, .fixBinary])
        #expect(try Plan.make(desired: [desired], current: [shown]).actions.map(\.kind) == [.unchanged])
        var withoutF = shown
        withoutF.flags = [.openBinary, .credentials]
        #expect(try Plan.make(desired: [desired], current: [withoutF]).actions.first?.changes
            == [FieldChange(field: .flags, old: "OC", new: "OCF")])
    }

    @Test("owned entries no longer desired are removed, leftover .next entries too; foreign ones never")
    func removals() throws {
        let stale = BinfmtEntry.owned(language: "ruby", extension: "rb", interpreter: Self.runnerA)
        var leftover = py
        leftover.name = "dotslash-python-py.next"
        let plan = try Plan.make(desired: [py], current: [python311, stale, leftover, py])
        #expect(plan.actions == [.unchanged(py), .remove(leftover), .remove(stale)])
        #expect(!plan.actions.contains { $0.name == "python3.11" })
    }

    @Test("a foreign entry with our name's content is never planned for change, even when it differs")
    func foreignNeverActedOn() throws {
        let foreignPy = BinfmtEntry(name: "python-py", match: .extension("py"), interpreter: "/usr/bin/python3",
                                    flags: [], enabled: false)
        let plan = try Plan.make(desired: [], current: [foreignPy, python311])
        #expect(plan.actions.isEmpty)
        #expect(plan.conflicts.isEmpty)
        #expect(!plan.hasChanges)
    }

    @Test("a foreign entry claiming the same extension is a conflict, not an action")
    func extensionConflict() throws {
        let foreignPy = BinfmtEntry(name: "python-py", match: .extension("py"), interpreter: "/usr/bin/python3",
                                    flags: [])
        let plan = try Plan.make(desired: [py], current: [foreignPy])
        #expect(plan.actions == [.add(py)])
        #expect(plan.conflicts == [BinfmtConflict(entry: py.name, foreign: foreignPy, reason: .sameExtension)])
        #expect(plan.conflicts.first?.description == "dotslash-python-py claims the same extension .py as foreign entry python-py")
    }

    @Test("a foreign entry with overlapping magic is a conflict (Debian's python3.11)")
    func magicConflict() throws {
        let plan = try Plan.make(desired: [pyc, py], current: [python311])
        #expect(plan.conflicts == [BinfmtConflict(entry: pyc.name, foreign: python311, reason: .overlappingMagic)])
        #expect(plan.conflicts.first?.description.contains("overlapping foreign entry python3.11") == true)
    }

    @Test("desired entries must be owned, valid and uniquely named")
    func desiredValidation() {
        #expect(throws: BinfmtError.notOwned(name: "python3.11")) {
            try Plan.make(desired: [python311], current: [])
        }
        #expect(throws: BinfmtError.duplicateEntry(name: py.name)) {
            try Plan.make(desired: [py, py], current: [])
        }
        let broken = BinfmtEntry.owned(language: "x", extension: "a.b", interpreter: Self.runnerA)
        #expect(throws: BinfmtError.self) { try Plan.make(desired: [broken], current: []) }
    }

    @Test("plans are deterministic whatever the input order")
    func deterministic() throws {
        let entries = (0..<20).map {
            BinfmtEntry.owned(language: "l\($0 % 7)", extension: "e\($0)", interpreter: Self.runnerA)
        }
        let current = Array(entries.prefix(10)) + [python311]
        let first = try Plan.make(desired: Array(entries.suffix(15)), current: current)
        let second = try Plan.make(desired: Array(entries.suffix(15).reversed()), current: current.reversed())
        #expect(first == second)
        #expect(first.actions.map(\.name) == first.actions.map(\.name).sorted())
    }

    @Test("excluding actions keeps the rest, and drops their conflicts")
    func excluding() throws {
        let foreignPy = BinfmtEntry(name: "python-py", match: .extension("py"), interpreter: "/usr/bin/python3")
        let plan = try Plan.make(desired: [py, pyc], current: [foreignPy])
        let kept = plan.excluding { $0.name == py.name }
        #expect(kept.actions == [.add(pyc)])
        #expect(kept.conflicts.isEmpty)
    }
}

@Suite("Magic overlap")
struct OverlapTests {
    typealias Match = BinfmtEntry.Match

    @Test("identical extensions overlap; different ones and different case don't")
    func extensions() {
        #expect(Match.extension("py").overlaps(.extension("py")))
        #expect(!Match.extension("py").overlaps(.extension("PY")))
        #expect(!Match.extension("py").overlaps(.extension("pyc")))
        #expect(!Match.extension("py").overlaps(.magic(offset: 0, bytes: [0x70], mask: nil)))
    }

    @Test("magic rules", arguments: [
        // Same bytes, same place.
        (Match.magic(offset: 0, bytes: [1, 2, 3], mask: nil), Match.magic(offset: 0, bytes: [1, 2, 3], mask: nil), true),
        // A prefix of the other.
        (.magic(offset: 0, bytes: [0x7f, 0x45], mask: nil), .magic(offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46], mask: nil), true),
        // Shifted ranges agreeing where they meet.
        (.magic(offset: 0, bytes: [1, 2, 3], mask: nil), .magic(offset: 2, bytes: [3, 4], mask: nil), true),
        // Shifted ranges disagreeing where they meet.
        (.magic(offset: 0, bytes: [1, 2, 3], mask: nil), .magic(offset: 2, bytes: [9, 4], mask: nil), false),
        // Disjoint ranges never overlap.
        (.magic(offset: 0, bytes: [1, 2], mask: nil), .magic(offset: 2, bytes: [3], mask: nil), false),
        // Different bytes, but the masks ignore the differing bits.
        (.magic(offset: 0, bytes: [0x41], mask: [0xdf]), .magic(offset: 0, bytes: [0x61], mask: nil), true),
        (.magic(offset: 0, bytes: [0x41], mask: nil), .magic(offset: 0, bytes: [0x61], mask: [0xdf]), true),
        (.magic(offset: 0, bytes: [0x41], mask: [0xf0]), .magic(offset: 0, bytes: [0x4f], mask: [0x0f]), true),
        // A bit both masks select differs.
        (.magic(offset: 0, bytes: [0x41], mask: [0xff]), .magic(offset: 0, bytes: [0x43], mask: [0x03]), false),
        // qemu-aarch64 (masked) against a plain ELF magic.
        (.magic(offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x03], mask: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]),
         .magic(offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46], mask: nil), true),
    ])
    func magic(lhs: Match, rhs: Match, expected: Bool) {
        #expect(lhs.overlaps(rhs) == expected)
        #expect(rhs.overlaps(lhs) == expected, "overlap is symmetric")
    }
}
