import Foundation
import Testing
import TestSupport

/// `run`, `shell`, `fetch`, `gc` and the JSON forms of `diff` and `status`,
/// through the built binary.
@Suite(.serialized) struct CommandsTests {
    func scenario(_ label: String) throws -> Scenario {
        let scenario = try Scenario(label)
        let sha = try scenario.busyboxTarball()
        try scenario.manifest(Scenario.busyboxLanguage(
            "bb", extensions: ["bbsh"], tarball: scenario.path + "/busybox.tar.gz", sha256: sha))
        try scenario.write("hello.bbsh", "echo \"args:$#:$1|$2\"; [ \"$(readlink /bin/sh)\" = busybox ] && echo in-container; exit 7\n", executable: true)
        return scenario
    }

    @Test func runChoosesTheLanguageBuildsTheRunnerAndReturnsTheScriptsStatus() throws {
        let scenario = try scenario("run")
        let result = try scenario.run("""
        dotslash run hello.bbsh "a b" c; echo "run=$?"
        dotslash run hello.bbsh; echo "again=$?"
        ls state/runners | wc -l
        """, usernsOptions: ["--no-binfmt"])
        #expect(result.stdout == "args:2:a b|c\nin-container\nrun=7\nargs:0:|\nin-container\nagain=7\n1\n", "\(result)")
    }

    @Test func runAsAnUnprivilegedUserUsesTheirOwnStore() throws {
        let scenario = try scenario("run-user")
        let result = try scenario.runAsUser("""
        dotslash run hello.bbsh x; echo "run=$?"
        ls "$HOME/.local/share/dotslash/runners" | wc -l
        """)
        #expect(result.stdout == "args:1:x|\nin-container\nrun=7\n1\n", "\(result)")
    }

    @Test func runExplainsAFileNoLanguageClaims() throws {
        let scenario = try scenario("run-unknown")
        try scenario.write("notes.txt", "hello\n")
        let result = try scenario.run("dotslash run notes.txt; echo \"run=$?\"; dotslash run missing.bbsh; echo \"missing=$?\"",
                                      usernsOptions: ["--no-binfmt"])
        #expect(result.stdout == "run=125\nmissing=125\n")
        #expect(result.stderr.contains("Error: no language of the manifests claims notes.txt (extensions: .bbsh; no magic rule matched)"))
        #expect(result.stderr.contains("Error: missing.bbsh: no such file"))
    }

    @Test func shellRegistersEveryLanguageWithoutRootAndKeepsTheCallersUid() throws {
        let scenario = try scenario("shell")
        let user = TestUser.shared
        let result = try scenario.runAsUser("""
        dotslash shell -- sh -c 'id -u; ls /proc/sys/fs/binfmt_misc; ./hello.bbsh p q; echo "script=$?"; grep CapEff /proc/self/status; exit 4'
        echo "shell=$?"
        """)
        #expect(result.stdout == """
        \(user.uid)
        dotslash-bb-bbsh
        register
        status
        args:2:p|q
        in-container
        script=7
        CapEff:\t0000000000000000
        shell=4

        """, "\(result)")
    }

    @Test func fetchDownloadsAndVerifiesAndGcDeletesWhatIsUnused() throws {
        let scenario = try scenario("fetch-gc")
        let result = try scenario.run("""
        dotslash fetch; echo "fetch=$?"
        ls state/blobs/sha256 | wc -l
        dotslash apply --no-persist > /dev/null
        mkdir -p state/rootfs/\(String(repeating: "a", count: 64)) && printf x > state/runners/old-0123456789abcdef
        dotslash gc --dry-run; echo "dry=$?"
        ls state/runners | wc -l
        dotslash gc; echo "gc=$?"
        echo "$(ls state/runners | wc -l) $(ls state/rootfs | wc -l) $(ls state/blobs/sha256 | wc -l)"
        """)
        #expect(result.stdout.contains("Fetched and verified 1 rootfs in \(scenario.path)/state.\nfetch=0\n1\n"), "\(result)")
        #expect(result.stdout.contains("would delete runner \(scenario.path)/state/runners/old-0123456789abcdef (1 B)\n"))
        #expect(result.stdout.contains("would delete rootfs \(scenario.path)/state/rootfs/\(String(repeating: "a", count: 64))"))
        #expect(result.stdout.contains("dry=0\n2\n"))
        #expect(result.stdout.contains("deleted runner \(scenario.path)/state/runners/old-0123456789abcdef (1 B)\n"))
        #expect(result.stdout.hasSuffix("gc=0\n1 1 1\n"))
    }

    @Test func fetchReportsADigestMismatchAndKeepsNothing() throws {
        let scenario = try scenario("fetch-bad")
        let wrong = String(repeating: "ab", count: 32)
        try scenario.manifest(Scenario.busyboxLanguage(
            "bb", extensions: ["bbsh"], tarball: scenario.path + "/busybox.tar.gz", sha256: wrong))
        let result = try scenario.run("dotslash fetch; echo \"fetch=$?\"; ls state/blobs/sha256 | wc -l", usernsOptions: ["--no-binfmt"])
        #expect(result.stdout == "Fetch failed for: bb.\nfetch=1\n0\n", "\(result)")
        #expect(result.stderr.contains(wrong))
        #expect(result.stderr.contains("file://\(scenario.path)/busybox.tar.gz"))
    }

    @Test func diffAndStatusSpeakJSON() throws {
        let scenario = try scenario("json")
        let result = try scenario.run("""
        dotslash diff --json > diff.json; echo "diff=$?"
        dotslash apply > /dev/null
        dotslash status --json > status.json
        """)
        #expect(result.stdout == "diff=1\n", "\(result)")
        let diff = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scenario.path + "/diff.json"))) as? [String: Any]
        #expect(diff?["inSync"] as? Bool == false)
        #expect(diff?["formatVersion"] as? Int == 1)
        let actions = diff?["actions"] as? [[String: Any]] ?? []
        #expect(actions.map { $0["action"] as? String } == ["add"])
        #expect(actions.first?["name"] as? String == "dotslash-bb-bbsh")
        let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scenario.path + "/status.json"))) as? [String: Any]
        let entries = status?["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 1)
        #expect(entries.first?["language"] as? String == "bb")
        #expect(entries.first?["drift"] as? String == "in sync")
        #expect(entries.first?["rootfsPresent"] as? Bool == true)
        #expect(entries.first?["state"] as? String == "enabled")
    }

    @Test func diffOfInvalidManifestsExitsTwo() throws {
        let scenario = try scenario("diff-invalid")
        try scenario.write("languages.d/test.yaml", "languages:\n  bb:\n    extensions: [x.y]\n")
        let result = try scenario.run("dotslash diff; echo \"diff=$?\"")
        #expect(result.stdout == "diff=2\n")
        #expect(result.stderr.contains("languages.d/test.yaml:3:18: error: extension 'x.y' contains a dot"))
    }

    @Test func applyFetchesOverHTTPWithRetries() throws {
        let scenario = try scenario("apply-http")
        let sha = try Scenario.sha256(scenario.path + "/busybox.tar.gz")
        let server = try HTTPServer(root: URL(fileURLWithPath: scenario.path))
        defer { server.stop() }
        // Two 503s (retried), then the file.
        try scenario.manifest(Scenario.busyboxLanguage(
            "bb", extensions: ["bbsh"], tarball: "", sha256: sha)
            .replacingOccurrences(of: "file://", with: server.url("flaky/apply/2/busybox.tar.gz")))
        let result = try scenario.run("""
        dotslash apply > /dev/null; echo "apply=$?"
        ./hello.bbsh x y; echo "hello=$?"
        """, environment: ["DOTSLASH_RETRY_DELAY": "0"])
        #expect(result.stdout == "apply=0\nargs:2:x|y\nin-container\nhello=7\n", "\(result)")
        #expect(server.requests().filter { $0.path.hasPrefix("/flaky/") }.count == 3)
    }

    @Test func shellSaysWhenUserNamespacesAreDisabled() throws {
        let scenario = try scenario("shell-no-userns")
        let user = TestUser.shared
        // The limit is per user namespace: this only affects the test's own.
        let result = try scenario.run("""
        echo 0 > /proc/sys/user/max_user_namespaces
        setpriv --reuid=\(user.uid) --regid=\(user.gid) --clear-groups env HOME="$HOME" "$DOTSLASH_BIN" shell -- true
        echo "shell=$?"
        """, usernsOptions: ["--no-binfmt"], environment: try scenario.userEnvironment())
        #expect(result.stdout.hasSuffix("shell=125\n"), "\(result)")
        #expect(result.stderr.contains("create a user namespace"))
        #expect(result.stderr.contains("user.max_user_namespaces=0"))
    }
}
