import Foundation
import Testing
import TestSupport

/// `dotslash apply`, `diff` and `status` against the real kernel, each
/// scenario in a private user and mount namespace with its own binfmt_misc.
@Suite(.serialized) struct ApplyTests {
    static let hello = "echo \"hello from $0: $*\"\nread line || true\necho \"stdin: $line\"\nexit 3\n"

    func scenario(_ label: String) throws -> (Scenario, String) {
        let scenario = try Scenario(label)
        let sha = try scenario.busyboxTarball()
        try scenario.write("hello.bbsh", Self.hello, executable: true)
        // Busybox's sh is a link to busybox; the host's is not.
        try scenario.write("other.bbx", "[ \"$(readlink /bin/sh)\" = busybox ] && echo other ok\n", executable: true)
        // No extension: recognised by its first bytes ("# bbmagic").
        try scenario.write("magicscript", "# bbmagic\necho magic ok\n", executable: true)
        return (scenario, sha)
    }

    func languages(_ scenario: Scenario, sha: String, extra: String = "", bbxExtra: String = "") -> String {
        let tarball = scenario.path + "/busybox.tar.gz"
        return Scenario.busyboxLanguage("bb", extensions: ["bbsh"], tarball: tarball, sha256: sha,
                                        extra: "magic: [{hex: \"23 20 62 62 6d\"}]\n" + extra)
            + Scenario.busyboxLanguage("bbx", extensions: ["bbx"], tarball: tarball, sha256: sha, extra: bbxExtra)
    }

    @Test func freshApplyRegistersEveryEntryAndTheSecondApplyChangesNothing() throws {
        let (scenario, sha) = try scenario("apply-fresh")
        try scenario.manifest(languages(scenario, sha: sha))
        let result = try scenario.run("""
        dotslash diff; echo "diff-before=$?"
        [ -e state ] || [ -e binfmt.d ] || echo "diff wrote nothing"
        dotslash apply; echo "apply=$?"
        ls /proc/sys/fs/binfmt_misc
        echo input | ./hello.bbsh a "b c"; echo "hello=$?"
        ./other.bbx; ./magicscript
        touch -d @0 binfmt.d/dotslash.conf
        dotslash apply; echo "apply-again=$?"
        [ "$(stat -c %Y binfmt.d/dotslash.conf)" = 0 ] && echo "conf untouched"
        dotslash diff; echo "diff-after=$?"
        """)
        #expect(result.stdout.contains("  + dotslash-bb-bbsh  (bb)\n"), "\(result)")
        #expect(result.stdout.contains("  + dotslash-bb-magic1  (bb)\n"))
        #expect(result.stdout.contains("  + dotslash-bbx-bbx  (bbx)\n"))
        #expect(result.stdout.contains("Plan: 3 to add, 0 to change, 0 to remove, 0 unchanged"))
        #expect(result.stdout.contains("diff-before=1\ndiff wrote nothing\n"))
        #expect(result.stdout.contains("Apply complete: 3 added, 0 changed, 0 removed, 0 unchanged.\napply=0\n"))
        #expect(result.stdout.contains("dotslash-bb-bbsh\ndotslash-bb-magic1\ndotslash-bbx-bbx\nregister\nstatus\n"))
        #expect(result.stdout.contains("hello from ./hello.bbsh: a b c\nstdin: input\nhello=3\n"))
        #expect(result.stdout.contains("other ok\nmagic ok\n"))
        #expect(result.stdout.contains("Apply complete: 0 added, 0 changed, 0 removed, 3 unchanged.\napply-again=0\nconf untouched\n"))
        #expect(result.stdout.contains("No changes. The kernel's binfmt_misc table matches the manifests (3 entries).\ndiff-after=0\n"))
        let conf = try String(contentsOfFile: scenario.path + "/binfmt.d/dotslash.conf", encoding: .utf8)
        #expect(conf.contains(":dotslash-bb-magic1:M:0:\\x23\\x20\\x62\\x62\\x6d::\(scenario.path)/state/runners/bb-"))
    }

    @Test func changesToDigestInterpreterEnvAndFlagsUpdateTheEntries() throws {
        let (scenario, sha) = try scenario("apply-update")
        let other = try scenario.recompressedBusyboxTarball("busybox-1.tar.gz")
        try scenario.manifest(languages(scenario, sha: sha))
        let tarball = scenario.path + "/busybox.tar.gz"
        let changed = Scenario.busyboxLanguage("bb", extensions: ["bbsh"], tarball: scenario.path + "/busybox-1.tar.gz",
                                               sha256: other, extra: "magic: [{hex: \"23 20 62 62 6d\"}]")
            + Scenario.busyboxLanguage("bbx", extensions: ["bbx"], tarball: tarball, sha256: sha,
                                       interpreter: "[/bin/sh, -e]", extra: "env: {GREETING: \"hi\"}\nbinfmt: {preserve-argv0: true}")
        try scenario.write("changed.yaml", "languages:\n" + changed)
        let result = try scenario.run("""
        dotslash apply > /dev/null
        old_bb=$(sed -n 's/^interpreter //p' /proc/sys/fs/binfmt_misc/dotslash-bb-bbsh)
        cp changed.yaml languages.d/test.yaml
        dotslash diff; echo "diff=$?"
        dotslash apply; echo "apply=$?"
        new_bb=$(sed -n 's/^interpreter //p' /proc/sys/fs/binfmt_misc/dotslash-bb-bbsh)
        [ "$old_bb" != "$new_bb" ] && echo "bb runner replaced"
        cat /proc/sys/fs/binfmt_misc/dotslash-bbx-bbx
        printf 'echo "greeting=$GREETING"\\n' > env.bbx; chmod +x env.bbx; ./env.bbx
        echo | ./hello.bbsh x; echo "hello=$?"
        dotslash diff; echo "diff-after=$?"
        """)
        #expect(result.stdout.contains("  ~ dotslash-bb-bbsh  (bb)\n      interpreter: \(scenario.path)/state/runners/bb-"), "\(result)")
        #expect(result.stdout.contains("  ~ dotslash-bbx-bbx  (bbx)\n"))
        #expect(result.stdout.contains("      flags:       F → PF\n"))
        #expect(result.stdout.contains("Plan: 0 to add, 3 to change, 0 to remove, 0 unchanged; 2 languages need work in the store.\ndiff=1\n"))
        #expect(result.stdout.contains("Apply complete: 0 added, 3 changed, 0 removed, 0 unchanged.\napply=0\n"))
        #expect(result.stdout.contains("bb runner replaced\n"))
        #expect(result.stdout.contains("flags: PF\n"))
        #expect(result.stdout.contains("greeting=hi\n"))
        #expect(result.stdout.contains("hello=3\n"))
        #expect(result.stdout.contains("diff-after=0\n"))
    }

    @Test func entriesOfRemovedLanguagesAndExtensionsAreRemoved() throws {
        let (scenario, sha) = try scenario("apply-remove")
        try scenario.manifest(languages(scenario, sha: sha))
        let tarball = scenario.path + "/busybox.tar.gz"
        try scenario.write("fewer.yaml", "languages:\n"
            + Scenario.busyboxLanguage("bb", extensions: ["bbsh"], tarball: tarball, sha256: sha))
        let result = try scenario.run("""
        dotslash apply > /dev/null
        cp fewer.yaml languages.d/test.yaml
        dotslash diff; echo "diff=$?"
        dotslash apply; echo "apply=$?"
        ls /proc/sys/fs/binfmt_misc
        ./other.bbx 2>/dev/null; echo "other=$?"
        """)
        #expect(result.stdout.contains("  - dotslash-bb-magic1  (bb)\n"), "\(result)")
        #expect(result.stdout.contains("  - dotslash-bbx-bbx  (bbx)\n"))
        #expect(result.stdout.contains("Plan: 0 to add, 0 to change, 2 to remove, 1 unchanged.\ndiff=1\n"))
        #expect(result.stdout.contains("- removed dotslash-bb-magic1 (bb)\n"))
        #expect(result.stdout.contains("Apply complete: 0 added, 0 changed, 2 removed, 1 unchanged.\napply=0\n"))
        #expect(result.stdout.contains("dotslash-bb-bbsh\nregister\nstatus\n"))
        // Without its entry the kernel no longer knows the file.
        #expect(!result.stdout.contains("other ok"))
        #expect(result.stdout.contains("other=1\n"))
    }

    @Test func foreignEntriesAreUntouchedAndConflictsAreShown() throws {
        let (scenario, sha) = try scenario("apply-foreign")
        try scenario.manifest(languages(scenario, sha: sha))
        let result = try scenario.run("""
        cd /proc/sys/fs/binfmt_misc
        printf ':python3.11:M::\\xa7\\x0d\\x0d\\x0a::/usr/bin/python3.11:' > register
        printf ':qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:POCF' > register 2>/dev/null || \\
          printf ':qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:PC' > register
        printf ':bbsh-other:E::bbsh::/bin/cat:' > register
        echo 0 > python3.11
        for e in python3.11 qemu-aarch64 bbsh-other; do cat $e; done > "$SCENARIO/before"
        cd "$SCENARIO"
        dotslash diff; echo "diff=$?"
        dotslash apply; echo "apply=$?"
        cd /proc/sys/fs/binfmt_misc
        for e in python3.11 qemu-aarch64 bbsh-other; do cat $e; done > "$SCENARIO/after"
        cmp "$SCENARIO/before" "$SCENARIO/after" && echo "foreign entries unchanged"
        cd "$SCENARIO"
        dotslash status
        echo | ./hello.bbsh; echo "hello=$?"
        """)
        #expect(result.stdout.contains("  ! dotslash-bb-bbsh claims the same extension .bbsh as foreign entry bbsh-other; ours is newer and will shadow it; the foreign entry is left alone\n"), "\(result)")
        #expect(result.stdout.contains("apply=0\n"))
        #expect(result.stdout.contains("foreign entries unchanged\n"))
        #expect(result.stdout.contains("warning: dotslash-bb-bbsh shadows the foreign entry bbsh-other") || result.stderr.contains("warning: dotslash-bb-bbsh shadows the foreign entry bbsh-other"))
        let statusLines = result.stdout.split(separator: "\n")
        #expect(statusLines.contains { $0.hasPrefix("bbsh-other ") && $0.contains("foreign, shadowed by dotslash-bb-bbsh") })
        #expect(statusLines.contains { $0.hasPrefix("python3.11 ") && $0.contains("disabled") && $0.hasSuffix("foreign") })
        #expect(statusLines.contains { $0.hasPrefix("qemu-aarch64 ") && $0.hasSuffix("foreign") })
        #expect(statusLines.contains { $0.hasPrefix("dotslash-bb-bbsh ") && $0.contains("present") && $0.hasSuffix("in sync") })
        #expect(result.stdout.contains("hello=3\n"))
    }

    @Test func entriesDisabledOrRemovedByHandComeBack() throws {
        let (scenario, sha) = try scenario("apply-drift")
        try scenario.manifest(languages(scenario, sha: sha))
        let result = try scenario.run("""
        dotslash apply > /dev/null
        echo 0 > /proc/sys/fs/binfmt_misc/dotslash-bb-bbsh
        echo -1 > /proc/sys/fs/binfmt_misc/dotslash-bbx-bbx
        dotslash status
        dotslash diff; echo "diff=$?"
        dotslash apply; echo "apply=$?"
        head -1 /proc/sys/fs/binfmt_misc/dotslash-bb-bbsh
        ./other.bbx
        """)
        #expect(result.stdout.contains("      state:       disabled → enabled\n"), "\(result)")
        #expect(result.stdout.contains("  + dotslash-bbx-bbx  (bbx)\n"))
        #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("dotslash-bbx-bbx ") && $0.hasSuffix("missing: apply adds it") })
        #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("dotslash-bb-bbsh ") && $0.hasSuffix("differs: state") })
        #expect(result.stdout.contains("Apply complete: 1 added, 1 changed, 0 removed, 1 unchanged.\napply=0\nenabled\nother ok\n"))
    }

    @Test func updatesLeaveNoGapForScriptsRunningMeanwhile() throws {
        let (scenario, sha) = try scenario("apply-gapless")
        try scenario.manifest(languages(scenario, sha: sha))
        let tarball = scenario.path + "/busybox.tar.gz"
        for index in 1...6 {
            try scenario.write("v\(index).yaml", "languages:\n" + Scenario.busyboxLanguage(
                "bb", extensions: ["bbsh"], tarball: tarball, sha256: sha, extra: "env: {VERSION: \"\(index)\"}"))
        }
        try scenario.write("loop.bbsh", "exit 0\n", executable: true)
        let result = try scenario.run("""
        dotslash apply > /dev/null
        : > failures; : > runs
        ( while [ ! -e stop ]; do if ./loop.bbsh; then echo x >> runs; else echo x >> failures; fi; done ) &
        loop=$!
        for v in 1 2 3 4 5 6; do cp v$v.yaml languages.d/test.yaml; dotslash apply > /dev/null || echo "apply $v failed"; done
        touch stop; wait $loop
        echo "runs=$(wc -l < runs) failures=$(wc -l < failures)"
        """)
        let summary = result.stdout.split(separator: "\n").last { $0.hasPrefix("runs=") } ?? ""
        #expect(summary.hasSuffix(" failures=0"), "\(result)")
        #expect(!summary.hasPrefix("runs=0 "))
        #expect(!result.stdout.contains("failed"))
    }

    @Test func aLanguageThatFailsKeepsItsEntryAndTheOthersProceed() throws {
        let (scenario, sha) = try scenario("apply-isolation")
        try scenario.manifest(languages(scenario, sha: sha))
        let tarball = scenario.path + "/busybox.tar.gz"
        let wrong = String(repeating: "0", count: 64)
        try scenario.write("broken.yaml", "languages:\n"
            + Scenario.busyboxLanguage("bb", extensions: ["bbsh"], tarball: scenario.path + "/busybox-1.tar.gz", sha256: wrong)
            + Scenario.busyboxLanguage("bbx", extensions: ["bbx", "bbx2"], tarball: tarball, sha256: sha))
        _ = try scenario.recompressedBusyboxTarball("busybox-1.tar.gz")
        let result = try scenario.run("""
        dotslash apply > /dev/null
        cp broken.yaml languages.d/test.yaml
        dotslash apply; echo "apply=$?"
        echo | ./hello.bbsh; echo "hello=$?"
        ls /proc/sys/fs/binfmt_misc
        ls state/blobs/sha256 | grep -c . || true
        """)
        #expect(result.stdout.contains("apply=1\n"), "\(result)")
        #expect(result.stderr.contains("bb: fetch failed:"))
        #expect(result.stderr.contains("expected sha256 \(wrong)") || result.stderr.contains(wrong))
        #expect(result.stdout.contains("  bb: fetch failed; its current registration was left as it is\n"))
        #expect(result.stdout.contains("+ registered dotslash-bbx-bbx2 (bbx)\n"))
        // The old bb entry still works, and its magic entry (gone from the manifest) is kept too.
        #expect(result.stdout.contains("hello=3\n"))
        #expect(result.stdout.contains("dotslash-bb-bbsh\ndotslash-bb-magic1\ndotslash-bbx-bbx\ndotslash-bbx-bbx2\n"))
        // Nothing with the wrong digest was kept.
        #expect(result.stdout.hasSuffix("1\n"))
    }

    @Test func thePersistedFileRestoresEveryEntryInAFreshTable() throws {
        let (scenario, sha) = try scenario("apply-persist")
        try scenario.manifest(languages(scenario, sha: sha))
        _ = try scenario.run("dotslash apply > /dev/null")
        let restored = try scenario.run("""
        grep '^:' binfmt.d/dotslash.conf | while IFS= read -r line; do printf '%s' "$line" > /proc/sys/fs/binfmt_misc/register; done
        ls /proc/sys/fs/binfmt_misc
        echo | ./hello.bbsh r; ./other.bbx; ./magicscript
        dotslash diff; echo "diff=$?"
        """)
        #expect(restored.stdout.contains("dotslash-bb-bbsh\ndotslash-bb-magic1\ndotslash-bbx-bbx\nregister\nstatus\n"), "\(restored)")
        #expect(restored.stdout.contains("hello from ./hello.bbsh: r\n"))
        #expect(restored.stdout.contains("other ok\nmagic ok\n"))
        #expect(restored.stdout.contains("diff=0\n"))
    }

    @Test func applyMountsBinfmtMiscWhenItIsMissing() throws {
        let (scenario, sha) = try scenario("apply-mount")
        try scenario.manifest(languages(scenario, sha: sha))
        let result = try scenario.run("""
        ls /proc/sys/fs/binfmt_misc | wc -l
        dotslash diff | head -1
        dotslash apply --no-persist > /dev/null; echo "apply=$?"
        ls /proc/sys/fs/binfmt_misc | wc -l
        """, usernsOptions: ["--no-binfmt"])
        #expect(result.stdout.hasPrefix("0\nbinfmt_misc is not mounted at /proc/sys/fs/binfmt_misc; apply will mount it.\n"), "\(result)")
        #expect(result.stderr.contains("mounted binfmt_misc at /proc/sys/fs/binfmt_misc"))
        #expect(result.stdout.hasSuffix("apply=0\n5\n"))
        #expect(!FileManager.default.fileExists(atPath: scenario.path + "/binfmt.d/dotslash.conf"))
    }

    @Test func dryRunChangesNothing() throws {
        let (scenario, sha) = try scenario("apply-dry-run")
        try scenario.manifest(languages(scenario, sha: sha))
        let result = try scenario.run("""
        dotslash apply --dry-run; echo "dry=$?"
        ls /proc/sys/fs/binfmt_misc | wc -l
        ls state 2>/dev/null | wc -l
        """)
        #expect(result.stdout.contains("Dry run: nothing was fetched, built or registered.\ndry=0\n2\n0\n"), "\(result)")
    }

    @Test func aNonRootCallerIsToldToUseSudoOrTheShell() throws {
        let (scenario, sha) = try scenario("apply-nonroot")
        try scenario.manifest(languages(scenario, sha: sha))
        let user = TestUser.shared
        let result = try scenario.run("dotslash apply; echo \"apply=$?\"", usernsOptions: ["--no-binfmt", "--as", "\(user.uid):\(user.gid)"])
        #expect(result.stdout == "apply=1\n", "\(result)")
        #expect(result.stderr.contains("apply needs root: it changes the kernel's binfmt_misc table for everyone."))
        #expect(result.stderr.contains("`dotslash shell`"))
    }

    @Test func aSecondApplyWaitsForTheFirst() throws {
        let (scenario, sha) = try scenario("apply-lock")
        try scenario.manifest(languages(scenario, sha: sha))
        let result = try scenario.run("""
        mkdir -p state && dotslash fetch > /dev/null
        # Hold the store lock the way a running apply does.
        ( flock 9; touch locked; sleep 2 ) 9> state/lock &
        while [ ! -e locked ]; do sleep 0.05; done
        dotslash apply > out 2> err; echo "apply=$?"
        wait
        cat err
        """)
        #expect(result.stdout.contains("apply=0\n"), "\(result)")
        #expect(result.stdout.contains("waiting for the store lock held by another dotslash"))
    }
}
