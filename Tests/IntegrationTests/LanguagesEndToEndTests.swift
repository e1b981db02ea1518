import Foundation
import Testing
import TestSupport

/// Real interpreters (CPython, CLISP, Ruby, Perl, Lua, Tcl, Guile and
/// busybox awk) in rootfs trees built with mmdebstrap, each started as
/// `./hello.EXT` by the kernel: registered by `dotslash apply` as root in a
/// private binfmt_misc, and by `dotslash shell` as an unprivileged user.
/// One apply (or shell) per test serves every language.
@Suite(.serialized) struct LanguagesEndToEndTests {
    enum Mode: Sendable, CaseIterable, CustomTestStringConvertible {
        /// Root in a private user and mount namespace runs `dotslash apply`.
        case apply
        /// An unprivileged user with a store of their own runs `dotslash shell`.
        case shell

        var testDescription: String { self == .apply ? "root, dotslash apply" : "user, dotslash shell" }
    }

    /// A scenario registering `languages`, with every hello script and a home
    /// directory that belongs to the test user.
    func scenario(_ label: String, languages: [EndToEndLanguage]) throws -> Scenario {
        let scenario = try Scenario(label)
        try scenario.manifest(languages.map { try $0.manifestEntry(in: scenario) }.joined())
        let scripts = TestPaths.packageRoot.appendingPathComponent("Tests/Support/hello")
        for name in try FileManager.default.contentsOfDirectory(atPath: scripts.path) where name != "README.md" {
            let text = try String(contentsOf: scripts.appendingPathComponent(name), encoding: .utf8)
            try scenario.write(name, text, executable: true)
        }
        _ = try scenario.userEnvironment()  // a home the user owns, for both modes
        return scenario
    }

    /// Runs `command` (for `sh -c`, in the scenario's directory) where the
    /// kernel knows the scenario's languages. Its standard output is the
    /// result's; if apply or the shell fails, their log follows.
    func run(_ command: String, in scenario: Scenario, mode: Mode) throws -> Command.Result {
        let home = scenario.path + "/home"
        let environment = ["HOME": home, "COMMAND": command, "LANG": "C.UTF-8", "LC_ALL": ""]
        switch mode {
        case .apply:
            return try scenario.run("""
            dotslash apply > "$HOME/dotslash.log" 2>&1 || { echo "apply failed:"; cat "$HOME/dotslash.log"; }
            sh -c "$COMMAND"
            """, environment: environment)
        case .shell:
            // The user's own store under $HOME, as without DOTSLASH_STATE_DIR.
            return try scenario.runAsUser("""
            dotslash shell -- sh -c "$COMMAND" 2> "$HOME/dotslash.log"
            status=$?
            [ "$status" = 0 ] || { echo "shell exited $status:"; cat "$HOME/dotslash.log"; }
            """, environment: environment)
        }
    }

    /// What the scripts wrote to stderr (`2>> "$HOME/scripts.err"`), if anything.
    static let reportStderr = #"[ ! -s "$HOME/scripts.err" ] || { echo "stderr:"; cat "$HOME/scripts.err"; }"#

    @Test(arguments: Mode.allCases)
    func helloInEveryLanguagePrintsItsArgumentsEchoesStdinAndExitsWithItsStatus(mode: Mode) throws {
        let languages = EndToEndLanguage.all
        let scenario = try scenario("e2e-hello", languages: languages)
        let result = try run("""
        ls /proc/sys/fs/binfmt_misc
        for ext in \(languages.map(\.ext).joined(separator: " ")); do
          echo "== $ext"
          printf 'first line\\nsecond line: ünï\\n' | ./hello.$ext a "b c" "" grüße 2>> "$HOME/scripts.err"
          echo "status=$?"
        done
        \(Self.reportStderr)
        """, in: scenario, mode: mode)

        let entries = languages.map { "dotslash-\($0.name)-\($0.ext)\n" }.sorted().joined()
        let runs = languages.map { "== \($0.ext)\na\nb c\n\ngrüße\nfirst line\nsecond line: ünï\nstatus=3\n" }.joined()
        #expect(result.stdout == entries + "register\nstatus\n" + runs, "\(result)")
    }

    @Test(arguments: Mode.allCases)
    func pythonRunsLispAndAwkScriptsInNestedContainers(mode: Mode) throws {
        let scenario = try scenario("e2e-polyglot", languages: [.python, .lisp, .awk])
        let result = try run("""
        ./polyglot.py 2>> "$HOME/scripts.err"
        echo "polyglot=$?"
        \(Self.reportStderr)
        """, in: scenario, mode: mode)
        #expect(result.stdout == """
        clisp in python's rootfs: False
        ./hello.lisp exited 3 and said:
        from python
        ./hello.lisp
        piped by python
        ./hello.awk exited 3 and said:
        from python
        ./hello.awk
        piped by python
        polyglot=5

        """, "\(result)")
    }
}
