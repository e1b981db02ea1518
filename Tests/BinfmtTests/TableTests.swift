import DotslashBinfmt
import Foundation
import TestSupport
import Testing

/// BinfmtTable on plain directories laid out like binfmt_misc: reading,
/// and the refusals that happen before any write.
@Suite("Reading and guarding the table")
struct TableTests {
    @Test("entries are read from every file but register and status, sorted by name")
    func readsEntries() throws {
        let dir = try TemporaryDirectory("binfmt-table")
        try dir.write("register", "")
        try dir.write("status", "enabled\n")
        try dir.write("qemu-aarch64", KernelSamples.qemuAarch64)
        try dir.write("python3.11", KernelSamples.python311)
        try dir.write("dotslash-python-py", KernelSamples.owned)
        let table = BinfmtTable(directory: dir.path)
        #expect(table.isMounted)
        #expect(try table.isEnabled())
        #expect(try table.entries().map(\.name) == ["dotslash-python-py", "python3.11", "qemu-aarch64"])
        #expect(try table.entry(named: "python3.11")?.interpreter == "/usr/bin/python3.11")
        #expect(try table.entry(named: "gone") == nil)
        #expect(table.contains("python3.11") && !table.contains("gone") && !table.contains("../x"))
    }

    @Test("a malformed entry file is an error naming it")
    func malformed() throws {
        let dir = try TemporaryDirectory("binfmt-table")
        try dir.write("broken", "enabled\ninterpreter /x\n")
        #expect(throws: BinfmtError.malformedEntryFile(
            path: dir.path + "/broken", line: 3, reason: "expected `flags: ...`, found the end of the file")) {
            try BinfmtTable(directory: dir.path).entries()
        }
    }

    @Test("a missing directory is an error with the stage, errno and a hint")
    func missingDirectory() {
        do {
            _ = try BinfmtTable(directory: "/nonexistent/binfmt_misc").entries()
            Issue.record("listed a missing directory")
        } catch let error as BinfmtError {
            #expect(error.message == "listing binfmt_misc entries: /nonexistent/binfmt_misc: No such file or directory (ENOENT)")
            #expect(error.hint?.contains("not mounted") == true)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("registering where binfmt_misc is not mounted says so")
    func notMounted() throws {
        let dir = try TemporaryDirectory("binfmt-table")
        let table = BinfmtTable(directory: dir.path)
        #expect(!table.isMounted)
        do {
            try table.register(.owned(language: "x", extension: "y", interpreter: "/bin/sh"))
            Issue.record("registered into a plain directory")
        } catch let error as BinfmtError {
            #expect(error.message.hasPrefix("opening binfmt_misc's register file: \(dir.path)/register"))
            #expect(error.hint?.contains("not mounted") == true)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("foreign names are refused before anything is written")
    func foreignRefused() throws {
        let dir = try TemporaryDirectory("binfmt-table")
        try dir.write("python3.11", KernelSamples.python311)
        let table = BinfmtTable(directory: dir.path)
        for operation in [table.remove, table.enable, table.disable] {
            #expect(throws: BinfmtError.notOwned(name: "python3.11")) { try operation("python3.11") }
        }
        let foreign = BinfmtEntry(name: "python3.11", match: .extension("py"), interpreter: "/usr/bin/python3")
        #expect(throws: BinfmtError.notOwned(name: "python3.11")) { try table.register(foreign) }
        #expect(throws: BinfmtError.self) { try table.remove("dotslash-../../etc") }
        #expect(try String(contentsOfFile: dir.path + "/python3.11", encoding: .utf8) == KernelSamples.python311)
    }

    @Test("a plan naming a foreign entry is refused by apply before any write")
    func reconcilerRefusesForeign() throws {
        let dir = try TemporaryDirectory("binfmt-table")
        let foreign = BinfmtEntry(name: "python3.11", match: .extension("py"), interpreter: "/usr/bin/python3")
        let planJSON = try JSONEncoder().encode(["actions": [PlanAction.remove(foreign)]])
        let plan = try JSONDecoder().decode(Plan.self, from: planJSON)
        #expect(throws: BinfmtError.notOwned(name: "python3.11")) {
            try Reconciler.apply(plan, to: BinfmtTable(directory: dir.path))
        }
    }
}
