import DotslashManifest
import Foundation
import Testing
import TestSupport

@Suite struct ModelTests {
    static let sha = String(repeating: "5f1c", count: 16)

    func load(_ text: String) -> ManifestLoadResult {
        ManifestLoader().load(text: text, path: "test.yaml")
    }

    @Test func everyFieldReachesTheModel() throws {
        let path = FixtureTests.root.appendingPathComponent("valid/every-field.yaml").path
        let manifest = try #require(ManifestLoader().load(files: [path]).manifest)
        let python = try #require(manifest.language(named: "python"))
        #expect(python.description == "CPython 3.11 from Debian bookworm")
        #expect(python.extensions == ["py", "pyw"])
        #expect(python.magic == [MagicRule(bytes: [0xa7, 0x0d, 0x0d, 0x0a], offset: 0, mask: [0xff, 0xff, 0xff, 0xff])])
        // Upper-case digests are accepted and stored in lower case.
        #expect(python.rootfs == .tarball(url: "https://example.org/python-3.11.tar.gz", sha256: Self.sha, size: 12_345_678))
        #expect(python.interpreter == ["/usr/bin/python3", "-u"])
        #expect(python.env == [EnvironmentVariable(name: "PYTHONDONTWRITEBYTECODE", value: "1"),
                               EnvironmentVariable(name: "LANG", value: "C.UTF-8")])
        #expect(python.shebang == .container)
        #expect(python.network == NetworkMode.none)
        #expect(python.mounts == [
            Mount(hostPath: "/srv/data", containerPath: "/srv/data", readOnly: true),
            Mount(hostPath: "/var/cache/x", containerPath: "/cache", readOnly: false),
            Mount(hostPath: "/a", containerPath: "/b", readOnly: false),
        ])
        #expect(python.binfmt == BinfmtFlags(preserveArgv0: true, openBinary: false, credentials: false))
        #expect(python.location == SourceLocation(file: path, line: 2, column: 3))
    }

    @Test func defaultsApplyWhenFieldsAreAbsent() throws {
        let path = FixtureTests.root.appendingPathComponent("valid/minimal.yaml").path
        let python = try #require(ManifestLoader().load(files: [path]).manifest?.languages.first)
        #expect(python.shebang == .host)
        #expect(python.network == .host)
        #expect(python.binfmt == BinfmtFlags())
        #expect(python.env.isEmpty && python.mounts.isEmpty && python.magic.isEmpty)
        #expect(python.description == nil)
    }

    @Test func mergeKeysShareSettingsAndExplicitKeysWin() throws {
        let path = FixtureTests.root.appendingPathComponent("valid/anchors-and-merge.yaml").path
        let manifest = try #require(ManifestLoader().load(files: [path]).manifest)
        let tcl = try #require(manifest.language(named: "tcl"))
        #expect(tcl.network == .host)
        #expect(tcl.extensions == ["tcl"])
        #expect(tcl.rootfs == .tarball(url: "file:///srv/rootfs/debian.tar", sha256: Self.sha, size: nil))
        #expect(manifest.language(named: "perl")?.network == NetworkMode.none)
    }

    @Test func imageReferencesAreKeptAsWritten() throws {
        let path = FixtureTests.root.appendingPathComponent("valid/image-sources.yaml").path
        let manifest = try #require(ManifestLoader().load(files: [path]).manifest)
        #expect(manifest.languages.map(\.rootfs) == [
            .image(reference: "python:3.13-slim"),
            .image(reference: "ghcr.io/owner/name:1.2"),
            .image(reference: "localhost:5000/tools/sh@sha256:\(Self.sha)"),
            .image(reference: "oci:/srv/images/layout:v1"),
            .image(reference: "oci-archive:/srv/images/sh.tar"),
        ])
    }

    @Test func fiftyLanguagesLoadInOrder() throws {
        var text = "languages:\n"
        for index in 0..<50 {
            text += """
              lang\(index):
                extensions: [e\(index), f\(index)]
                magic: [{hex: "0\(index % 10) 1\(index % 10) aa", offset: \(index)}]
                rootfs: {url: "https://example.org/\(index).tar.zst", sha256: \(Self.sha)}
                interpreter: [/usr/bin/lang\(index), --flag]
                env: {LANG_\(index): "x"}

            """
        }
        let result = load(text)
        let manifest = try #require(result.manifest, "\(result.diagnostics.rendered)")
        #expect(manifest.languages.count == 50)
        #expect(manifest.languages.map(\.name) == (0..<50).map { "lang\($0)" })
        #expect(manifest.languages[49].magic.first?.offset == 49)
    }

    @Test func oneMegabyteOfNestingIsAClearError() {
        let text = "languages: " + String(repeating: "[", count: 500_000) + String(repeating: "]", count: 500_000)
        let result = load(text)
        #expect(result.manifest == nil)
        let first = result.diagnostics.errors.first
        #expect(first?.message.contains("nesting deeper than 64 levels") == true)
        #expect(first?.location?.line == 1)
        // The snippet quotes a window of the line, not all of it.
        #expect((first?.description.count ?? .max) < 600)
    }

    @Test func aliasesOfAliasesCannotExplode() {
        var text = "languages:\n  x: &a0 [a, b, c, d, e, f, g, h, i, j]\n"
        for level in 1...30 {
            text += "  x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let result = load(text)
        #expect(result.manifest == nil)
        #expect(result.diagnostics.errors.count == 31)
        #expect(result.diagnostics.errors.allSatisfy { $0.message.contains("must be a mapping, not a sequence") })
    }

    @Test func allProblemsAreReportedNotOnlyTheFirst() {
        let result = load("""
        languages:
          a:
            extensions: [x.y]
          b:
            extensions: [ok]
            rootfs: {url: "gopher://x/y", sha256: nope}
            interpreter: [bin/sh]
        """)
        let lines = result.diagnostics.errors.compactMap { $0.location?.line }
        #expect(lines == [3, 2, 2, 6, 6, 7])
    }

    @Test func diagnosticShowsTheLineAndACaret() {
        let result = load("languages:\n  py:\n    extensions: [py]\n    shebang: sometimes\n")
        let diagnostic = result.diagnostics.errors.first { $0.message.contains("shebang") }
        #expect(diagnostic?.description == """
        test.yaml:4:14: error: 'shebang' of language 'py' must be 'host' or 'container', not 'sometimes'
            shebang: sometimes
                     ^
        """)
    }

    @Test func caretFollowsTabsInTheQuotedLine() {
        let diagnostic = Diagnostic(.error, "bad", at: SourceLocation(file: "f", line: 1, column: 3), sourceLine: "\t x")
        #expect(diagnostic.description == "f:1:3: error: bad\n\t x\n\t ^")
    }

    @Test func magicMatchesLikeTheKernel() {
        let rule = MagicRule(bytes: [0x00, 0x61, 0x73, 0x6d], offset: 1, mask: [0xff, 0xff, 0xdf, 0xff])
        #expect(rule.matches([0x99, 0x00, 0x61, 0x53, 0x6d]))
        #expect(!rule.matches([0x00, 0x61, 0x73, 0x6d]))
        #expect(!rule.matches([0x99, 0x00, 0x61]))
    }

    @Test func suggestionsFindCloseKeysOnly() {
        #expect(Suggestion.closest(to: "interpeter", among: ["interpreter", "env"]) == "interpreter")
        #expect(Suggestion.closest(to: "ext", among: ["extensions", "env"]) == "extensions")
        #expect(Suggestion.closest(to: "colour", among: ["extensions", "env"]) == nil)
    }
}
