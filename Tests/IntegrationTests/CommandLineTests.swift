import Foundation
import Testing
import TestSupport

/// The command line's exact text and exit codes, driven through the built binary.
@Suite struct CommandLineTests {
    func dotslash(_ arguments: [String], environment: [String: String?] = [:]) throws -> Command.Result {
        try Command.run([TestPaths.dotslash.path] + arguments, environment: ["NO_COLOR": "1"].merging(environment) { $1 })
    }

    @Test func rootHelpListsOnlyWorkingCommands() throws {
        for arguments in [[], ["--help"], ["-h"], ["help"]] {
            let result = try dotslash(arguments)
            #expect(result.status == 0)
            #expect(result.stderr == "")
            #expect(result.stdout.hasPrefix("OVERVIEW: ./anything.ext for every language, without installing the language.\n\nUSAGE: dotslash <subcommand>\n"))
            #expect(result.stdout.contains("\nSUBCOMMANDS:\n  validate                Load and check the manifests; no network, no kernel.\n"))
            #expect(result.stdout.hasSuffix("\n  See 'dotslash help <subcommand>' for detailed help.\n"))
        }
    }

    @Test func commandHelpComesFromEveryEntryPoint() throws {
        let viaHelp = try dotslash(["help", "validate"])
        let viaFlag = try dotslash(["validate", "--help"])
        let viaShort = try dotslash(["validate", "-h"])
        #expect(viaHelp.status == 0 && viaFlag.status == 0 && viaShort.status == 0)
        #expect(viaHelp.stdout == viaFlag.stdout && viaFlag.stdout == viaShort.stdout)
        #expect(viaHelp.stdout.hasPrefix("""
        OVERVIEW: Load and check the manifests; no network, no kernel.

        """))
        #expect(viaHelp.stdout.contains("""

        USAGE: dotslash validate [--config <path> ...] [--state-dir <path>]

        OPTIONS:
          --config <path>         A manifest file or directory of *.yaml files; repeat

        """))
        #expect(viaHelp.stdout.hasSuffix("  -h, --help              Show help information.\n"))
    }

    @Test func unknownOptionIsAUsageError() throws {
        let result = try dotslash(["validate", "--bogus"])
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr == """
        Error: Unknown option '--bogus'
        Usage: dotslash validate [--config <path> ...] [--state-dir <path>]
          See 'dotslash validate --help' for more information.

        """)
    }

    @Test func missingOptionValueIsAUsageError() throws {
        let result = try dotslash(["validate", "--config"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Missing value for '--config <path>'\nUsage: dotslash validate"))
    }

    @Test func unexpectedArgumentIsAUsageError() throws {
        let result = try dotslash(["validate", "extra"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unexpected argument 'extra'\n"))
    }

    @Test func unknownCommandSuggestsTheClosestOne() throws {
        let result = try dotslash(["valdate"])
        #expect(result.status == 64)
        #expect(result.stderr == """
        Error: Unknown subcommand 'valdate'; did you mean 'validate'?
        Usage: dotslash <subcommand>
          See 'dotslash --help' for more information.

        """)
        let unknown = try dotslash(["help", "frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("Error: Unknown subcommand 'frobnicate'\n"))
    }

    @Test func versionPrintsTheVersionAndBuild() throws {
        let result = try dotslash(["version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "dotslash 0.1.0")
        #expect(result.stdout.contains("libyaml 0.2.5"))
        let short = try dotslash(["--version"])
        #expect(short.stdout == "0.1.0\n")
    }

    @Test func validateAcceptsTheShippedCatalog() throws {
        let catalog = TestPaths.packageRoot.appendingPathComponent("languages.d").path
        let result = try dotslash(["validate", "--config", catalog])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("valid: "))
    }

    @Test func validateReportsEveryErrorWithACaretAndExitsOne() throws {
        let dir = try TemporaryDirectory("validate")
        try dir.write("bad.yaml", """
        languages:
          python:
            extention: [py]
            rootfs: {url: "https://example.org/p.tar", sha256: 1234}
            interpreter: [/usr/bin/python3]

        """)
        let result = try dotslash(["validate", "--config", dir.path])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == """
        \(dir.path)/bad.yaml:3:5: error: unknown key 'extention' in language 'python'; did you mean 'extensions'?
            extention: [py]
            ^
        \(dir.path)/bad.yaml:4:56: error: sha256 must be exactly 64 hex digits; '1234' has 4 characters
            rootfs: {url: "https://example.org/p.tar", sha256: 1234}
                                                               ^
        2 errors in 1 file; the manifests are not valid

        """)
    }

    @Test func validateReadsDotslashConfigAndMissingPathsFail() throws {
        let missing = try dotslash(["validate"], environment: ["DOTSLASH_CONFIG": "/nonexistent/m.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: DOTSLASH_CONFIG path '/nonexistent/m.yaml' does not exist\n"))
    }

    @Test func colourOnlyOnATerminal() throws {
        // Output to a pipe is never coloured, even without NO_COLOR.
        let result = try dotslash(["validate", "--bogus"], environment: ["NO_COLOR": nil])
        #expect(!result.stderr.contains("\u{1B}["))
    }

    @Test func rootHelpListsEveryCommandInOrder() throws {
        let result = try dotslash(["--help"])
        let names = result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  -") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(names == ["validate", "diff", "apply", "status", "run", "shell", "fetch", "gc", "version", "See"])
    }

    @Test func runPassesEverythingAfterTheFileToTheScript() throws {
        let scenario = try Scenario("run-args")
        let sha = try scenario.busyboxTarball()
        try scenario.manifest(Scenario.busyboxLanguage(
            "bb", extensions: ["bbsh"], tarball: scenario.path + "/busybox.tar.gz", sha256: sha))
        try scenario.write("args.bbsh", "for a in \"$@\"; do echo \"[$a]\"; done\n", executable: true)
        let result = try scenario.run("""
        dotslash run args.bbsh --help -x --config nope
        dotslash run -- args.bbsh -- y
        """, usernsOptions: ["--no-binfmt"])
        #expect(result.stdout == "[--help]\n[-x]\n[--config]\n[nope]\n[--]\n[y]\n", "\(result)")
    }

    @Test func shellAndRunUsageErrors() throws {
        let missing = try dotslash(["run"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("Error: Missing expected argument '<file>'\nUsage: dotslash run [--config <path> ...] [--state-dir <path>] <file> [<args> ...]\n"))
        let shell = try dotslash(["shell", "extra"])
        #expect(shell.status == 64)
        #expect(shell.stderr.hasPrefix("Error: Unexpected argument 'extra'\n"))
    }
}
