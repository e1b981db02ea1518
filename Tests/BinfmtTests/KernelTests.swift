import DotslashBinfmt
import Foundation
import TestSupport
import Testing

/// The library against the real kernel, each test in its own namespace with
/// a fresh binfmt_misc (Linux >= 6.7).
@Suite("binfmt_misc on the real kernel", .serialized)
struct KernelTests {
    /// One entry of every shape the library renders.
    static func everyShape(interpreter: String) -> [BinfmtEntry] {
        [
            .owned(language: "plain", extension: "dsx", interpreter: interpreter),
            .owned(language: "plus", extension: "c++", interpreter: interpreter, flags: [.preserveArgv0]),
            .owned(language: "odd", magicIndex: 1, offset: 7,
                   bytes: [0x3a, 0x5c, 0x00, 0x23, 0x3b, 0x20, 0x0a, 0x78],
                   mask: [0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xdf], interpreter: interpreter,
                   flags: [.openBinary]),
            .owned(language: "nomask", magicIndex: 1, offset: 0, bytes: [0xd0, 0x75, 0x3a], mask: nil,
                   interpreter: interpreter, flags: [.openBinary, .credentials]),
            .owned(language: "big", magicIndex: 1, offset: 0, bytes: (0..<256).map { UInt8(255 - $0) },
                   mask: nil, interpreter: interpreter),
            .owned(language: "pyc", magicIndex: 1, offset: 0, bytes: [0xa7, 0x0d, 0x0d, 0x0a], mask: nil,
                   interpreter: interpreter, flags: [.preserveArgv0, .openBinary]),
        ]
    }

    /// A harness whose desired.json holds `everyShape`.
    static func harnessWithEveryShape() throws -> (KernelHarness, [BinfmtEntry]) {
        let harness = try KernelHarness()
        let desired = everyShape(interpreter: harness.path("interp-v1"))
        try harness.writeEntries("desired.json", desired)
        return (harness, desired)
    }

    @Test("what dotslash renders, the kernel accepts and reads back as planned; foreign entries stay untouched")
    func roundTrip() throws {
        let (harness, desired) = try Self.harnessWithEveryShape()
        let out = try harness.run(ForeignEntries.script + """
            echo "== before"; $PROBE read "$B"
            echo "== apply"; $PROBE apply "$B" desired.json
            echo "== after"; $PROBE read "$B"
            echo "== plan"; $PROBE plan "$B" desired.json
            """)
        #expect(out.result.status == 0, "\(out)")
        let after = try out.entries("after")
        for entry in desired {
            #expect(after.first { $0.name == entry.name } == entry.asRegistered, "\(entry.name)")
        }
        let foreignBefore = try out.entries("before")
        #expect(foreignBefore.map(\.name) == ["jar", "python3.11", "qemu-aarch64"])
        #expect(after.filter { !$0.isOwned } == foreignBefore, "foreign entries unchanged")
        #expect(foreignBefore.first { $0.name == "jar" }?.enabled == false)

        let plan = try out.plan("plan")
        #expect(!plan.hasChanges, "in sync after apply: \(plan)")
        #expect(plan.conflicts.map { "\($0.entry) \($0.foreign.name) \($0.reason.rawValue)" }
            == ["dotslash-pyc-magic1 python3.11 overlapping-magic"])
        let report = try out.json("apply")
        #expect((report["report"] as? [String: Any])?["succeeded"] as? Bool == true)
    }

    @Test("an owned entry no longer desired is removed; the others and foreign ones stay")
    func remove() throws {
        let harness = try KernelHarness()
        let interpreter = harness.path("interp-v1")
        let keep = BinfmtEntry.owned(language: "keep", extension: "kp", interpreter: interpreter)
        let drop = BinfmtEntry.owned(language: "drop", magicIndex: 1, offset: 0, bytes: [1, 2, 3], mask: nil,
                                     interpreter: interpreter)
        try harness.writeEntries("both.json", [keep, drop])
        try harness.writeEntries("keep.json", [keep])
        let out = try harness.run(ForeignEntries.script + """
            $PROBE apply "$B" both.json >/dev/null
            echo "== apply"; $PROBE apply "$B" keep.json
            echo "== after"; $PROBE read "$B"
            """)
        #expect(out.result.status == 0, "\(out)")
        #expect(try out.entries("after").map(\.name) == ["dotslash-keep-kp", "jar", "python3.11", "qemu-aarch64"])
        let outcomes = try #require((out.json("apply")["report"] as? [String: Any])?["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { $0["action"] as? String } == ["remove"])
        #expect(outcomes.first?["name"] as? String == "dotslash-drop-magic1")
    }

    @Test("disable and enable; a disabled owned entry is re-enabled by apply without re-registering")
    func disableEnable() throws {
        let harness = try KernelHarness()
        let entry = BinfmtEntry.owned(language: "t", extension: "dsx", interpreter: harness.path("interp-v1"))
        try harness.writeEntries("desired.json", [entry])
        try harness.write("script.dsx", "anything\n", executable: true)
        let out = try harness.run("""
            $PROBE apply "$B" desired.json >/dev/null
            code=0; ./script.dsx || code=$?; echo "== enabled-exit"; echo $code
            echo "== disable"; $PROBE disable "$B" dotslash-t-dsx
            echo "== disabled"; $PROBE read "$B"
            code=0; ./script.dsx 2>/dev/null || code=$?; echo "== disabled-exit"; echo $code
            echo "== enable"; $PROBE enable "$B" dotslash-t-dsx
            echo "== enabled"; $PROBE read "$B"
            $PROBE disable "$B" dotslash-t-dsx >/dev/null
            echo "== plan"; $PROBE plan "$B" desired.json
            echo "== apply"; $PROBE apply "$B" desired.json
            echo "== final"; $PROBE read "$B"
            """)
        #expect(out.result.status == 0, "\(out)")
        #expect(out["enabled-exit"] == "10\n", "the entry ran the interpreter, which exits 10")
        #expect(try out.entry("disabled", named: "dotslash-t-dsx")?.enabled == false)
        #expect(out["disabled-exit"] != "10\n", "a disabled entry must not run the interpreter")
        #expect(try out.entry("enabled", named: "dotslash-t-dsx")?.enabled == true)
        #expect(try out.plan("plan").actions.first?.changes == [FieldChange(field: .state, old: "disabled", new: "enabled")])
        let outcome = try #require(((out.json("apply")["report"] as? [String: Any])?["outcomes"] as? [[String: Any]])?.first)
        #expect((outcome["done"] as? [[String: String]])?.map { $0["operation"] } == ["enable", "verify"])
        #expect(try out.entry("final", named: "dotslash-t-dsx") == entry.asRegistered)
    }

    /// A harness with v1.json and v2.json: one entry whose interpreter exits 10, then 20.
    static func harnessWithTwoVersions() throws -> (KernelHarness, BinfmtEntry, BinfmtEntry) {
        let harness = try KernelHarness()
        let v1 = BinfmtEntry.owned(language: "gap", extension: "dsg", interpreter: harness.path("interp-v1"))
        var v2 = v1
        v2.interpreter = harness.path("interp-v2")
        try harness.writeEntries("v1.json", [v1])
        try harness.writeEntries("v2.json", [v2])
        return (harness, v1, v2)
    }

    @Test("a gapless update: a script executed in a loop through the entry never fails while it is replaced")
    func gaplessUpdate() throws {
        let (harness, _, v2) = try Self.harnessWithTwoVersions()
        // No #! line: without a handler, execve fails with ENOEXEC.
        try harness.write("loop.dsg", "not a script\n", executable: true)
        let out = try harness.run("""
            $PROBE apply "$B" v1.json >/dev/null
            # Whatever happens, the loop stops when the script ends.
            trap 'touch "$W/stop"' EXIT
            $PROBE exec-loop "$W/stop" "$W/loop.dsg" > loop.json &
            loop=$!
            sleep 0.2
            for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
                $PROBE apply "$B" v2.json > apply-v2.json
                $PROBE apply "$B" v1.json > apply-v1.json
            done
            $PROBE apply "$B" v2.json > apply-v2.json
            sleep 0.2
            touch "$W/stop"
            wait $loop
            echo "== loop"; cat loop.json
            echo "== apply"; cat apply-v2.json
            echo "== after"; $PROBE read "$B"
            """)
        #expect(out.result.status == 0, "\(out)")
        let loop = try out.json("loop")
        let runs = loop["runs"] as? Int ?? 0
        #expect(runs > 20, "the loop ran: \(loop)")
        #expect(loop["failures"] as? Int == 0, "every execution found a handler: \(loop)")
        #expect((loop["exit 10"] as? Int ?? 0) > 0 && (loop["exit 20"] as? Int ?? 0) > 0, "both versions served: \(loop)")
        let outcome = try #require(((out.json("apply")["report"] as? [String: Any])?["outcomes"] as? [[String: Any]])?.first)
        #expect((outcome["done"] as? [[String: String]])?.map { "\($0["operation"] ?? "") \($0["entry"] ?? "")" } == [
            "register dotslash-gap-dsg.next", "remove dotslash-gap-dsg", "register dotslash-gap-dsg",
            "remove dotslash-gap-dsg.next", "verify dotslash-gap-dsg",
        ])
        #expect(try out.entries("after") == [v2.asRegistered])
    }

    @Test("leftover <name>.next entries of an interrupted apply are cleaned up")
    func leftoverTemporary() throws {
        let (harness, v1, v2) = try Self.harnessWithTwoVersions()
        var leftover = v2
        leftover.name = "dotslash-gap-dsg.next"
        try harness.writeEntry("leftover.json", leftover)
        let out = try harness.run("""
            $PROBE register "$B" leftover.json >/dev/null
            echo "== only-temporary"; $PROBE apply "$B" v1.json
            echo "== after-1"; $PROBE read "$B"
            $PROBE register "$B" leftover.json >/dev/null
            echo "== update-with-temporary"; $PROBE apply "$B" v2.json
            echo "== after-2"; $PROBE read "$B"
            """)
        #expect(out.result.status == 0, "\(out)")
        #expect(try out.entries("after-1") == [v1.asRegistered])
        #expect(try out.entries("after-2") == [v2.asRegistered])
        let plan = try #require(out.json("update-with-temporary")["plan"] as? [String: Any])
        #expect((plan["actions"] as? [[String: Any]])?.map { $0["action"] as? String } == ["update", "remove"])
    }

    @Test("the persisted dotslash.conf, read by systemd-binfmt on a fresh binfmt_misc, re-registers every entry")
    func persistence() throws {
        let (harness, desired) = try Self.harnessWithEveryShape()
        let first = try harness.run(ForeignEntries.script + """
            $PROBE apply "$B" desired.json >/dev/null
            echo "== persist"; $PROBE persist "$W/binfmt.d" "$B"
            """)
        #expect(first.result.status == 0, "\(first)")
        let conf = try String(contentsOfFile: harness.path("binfmt.d/dotslash.conf"), encoding: .utf8)
        #expect(!conf.contains("python3.11"), "foreign entries are not persisted")

        let systemdBinfmt = try #require(["/usr/lib/systemd/systemd-binfmt", "/lib/systemd/systemd-binfmt"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }, "systemd-binfmt is missing: install systemd")
        let second = try harness.run("""
            \(systemdBinfmt) "$W/binfmt.d/dotslash.conf"
            echo "== restored"; $PROBE read "$B"
            """)
        #expect(second.result.status == 0, "\(second)")
        #expect(try second.entries("restored") == desired.map(\.asRegistered).sorted { $0.name < $1.name })
    }

    @Test("failures carry the stage, errno and a hint; the other actions still run")
    func errors() throws {
        let harness = try KernelHarness()
        let good = BinfmtEntry.owned(language: "good", extension: "gd", interpreter: harness.path("interp-v1"))
        let missing = BinfmtEntry.owned(language: "bad", extension: "bd", interpreter: harness.path("no-such-runner"))
        try harness.writeEntries("desired.json", [good, missing])
        try harness.writeEntry("good-entry.json", good)
        let out = try harness.run(ForeignEntries.script + """
            echo "== apply"; $PROBE apply "$B" desired.json || echo "== apply-failed"
            echo "== exists"; $PROBE register "$B" good-entry.json || true
            echo "== foreign"; $PROBE remove "$B" python3.11 || true
            echo "== absent"; $PROBE remove "$B" dotslash-none-x || true
            echo "== after"; $PROBE read "$B"
            """)
        #expect(out.sections["apply-failed"] != nil, "apply exits 1 on a failure: \(out)")
        let outcomes = try #require((out.json("apply")["report"] as? [String: Any])?["outcomes"] as? [[String: Any]])
        let bad = try #require(outcomes.first { $0["name"] as? String == "dotslash-bad-bd" })
        #expect(bad["succeeded"] as? Bool == false)
        #expect((bad["error"] as? String)?.contains("registering binfmt_misc entry dotslash-bad-bd: \(KernelHarness.binfmtDir)/register: No such file or directory (ENOENT)") == true, "\(bad)")
        #expect((bad["hint"] as? String)?.contains("does not exist: with the F flag") == true)
        #expect(outcomes.first { $0["name"] as? String == "dotslash-good-gd" }?["succeeded"] as? Bool == true)

        #expect((try out.json("exists")["error"] as? String)?.contains("(EEXIST)") == true)
        #expect((try out.json("exists")["hint"] as? String)?.contains("already exists") == true)
        #expect((try out.json("foreign")["error"] as? String)?.contains("not owned by dotslash") == true)
        #expect((try out.json("absent")["error"] as? String)?.contains("(ENOENT)") == true)
        let after = try out.entries("after").map(\.name)
        #expect(after == ["dotslash-good-gd", "jar", "python3.11", "qemu-aarch64"])
    }

    @Test("an unprivileged caller gets EACCES with a hint about root and user namespaces")
    func unprivileged() throws {
        let harness = try KernelHarness()
        let entry = BinfmtEntry.owned(language: "u", extension: "us", interpreter: harness.path("interp-v1"))
        try harness.writeEntry("entry.json", entry)
        _ = try Command.run(["chmod", "-R", "a+rX", harness.work.path])
        guard getuid() == 0 else {
            // Not root: the namespace maps only us, so there is no other uid to become.
            let out = try harness.run("echo \"== register\"; $PROBE register \"$B\" entry.json || true")
            #expect((try out.json("register")["ok"] as? Bool) == true, "\(out)")
            return
        }
        let out = try harness.run("echo \"== register\"; $PROBE register \"$B\" entry.json || true",
                                  options: ["--as", "1000"])
        let result = try out.json("register")
        #expect((result["error"] as? String)?.contains("Permission denied (EACCES)") == true, "\(out)")
        #expect((result["hint"] as? String)?.contains("needs root, or a user namespace") == true)
    }

    @Test("mountIfNeeded mounts binfmt_misc where register is missing, once, and the table works there")
    func mountIfNeeded() throws {
        let harness = try KernelHarness()
        let entry = BinfmtEntry.owned(language: "m", extension: "mt", interpreter: harness.path("interp-v1"))
        try harness.writeEntries("desired.json", [entry])
        let out = try harness.run("""
            mkdir -p "$W/mnt"
            echo "== first"; $PROBE mount "$W/mnt"
            echo "== second"; $PROBE mount "$W/mnt"
            echo "== mounts"; grep -c " $W/mnt " /proc/self/mountinfo
            $PROBE apply "$W/mnt" desired.json >/dev/null
            echo "== read"; $PROBE read "$W/mnt"
            """, options: ["--no-binfmt"])
        #expect(out.result.status == 0, "\(out)")
        #expect(try out.json("first")["mounted"] as? Bool == true)
        #expect(try out.json("second")["mounted"] as? Bool == false)
        #expect(out["mounts"] == "1\n")
        #expect(try out.entries("read") == [entry.asRegistered])
    }
}
