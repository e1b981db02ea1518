import DotslashManifest
import Foundation
import Testing
import TestSupport

@Suite struct SourcesTests {
    @Test func directoriesContributeYamlFilesInByteOrder() throws {
        let dir = try TemporaryDirectory("sources")
        for name in ["b.yaml", "B.yml", "a.yml", "_z.yaml", ".hidden.yaml", "notes.txt", "c.yaml~"] {
            try dir.write("d/\(name)", "languages: {}\n")
        }
        let sources = ManifestSources.resolve(configPaths: [dir.file("d").path], environment: [:])
        #expect(sources.files.map { URL(fileURLWithPath: $0).lastPathComponent } == ["B.yml", "_z.yaml", "a.yml", "b.yaml"])
        #expect(!sources.diagnostics.hasErrors)
    }

    @Test func configFlagsWinOverTheEnvironmentAndKeepTheirOrder() throws {
        let dir = try TemporaryDirectory("sources")
        let one = try dir.write("one.yaml", "languages: {}\n").path
        let two = try dir.write("two.yaml", "languages: {}\n").path
        let env = ["DOTSLASH_CONFIG": "\(one):\(two)"]
        #expect(ManifestSources.resolve(configPaths: [], environment: env).files == [one, two])
        #expect(ManifestSources.resolve(configPaths: [two, one], environment: env).files == [two, one])
    }

    @Test func aMissingConfigPathIsAnError() {
        let sources = ManifestSources.resolve(configPaths: ["/nonexistent/dotslash.yaml"], environment: [:])
        #expect(sources.diagnostics.errors.map(\.message) == ["--config path '/nonexistent/dotslash.yaml' does not exist"])
        let fromEnv = ManifestSources.resolve(configPaths: [], environment: ["DOTSLASH_CONFIG": "/nonexistent/x"])
        #expect(fromEnv.diagnostics.errors.map(\.message) == ["DOTSLASH_CONFIG path '/nonexistent/x' does not exist"])
    }

    @Test func unreadableManifestIsReportedWithItsPath() throws {
        let result = ManifestLoader().load(files: ["/nonexistent/languages.yaml"])
        #expect(result.manifest == nil)
        #expect(result.diagnostics.errors.first?.headline
                == "/nonexistent/languages.yaml:1:1: error: cannot read the manifest: No such file or directory")
    }
}
