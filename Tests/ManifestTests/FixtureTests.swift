import DotslashManifest
import Foundation
import Testing
import TestSupport

/// Every fixture under Fixtures/ states the diagnostics it must produce in
/// `# expect: LINE:COL: severity: message` lines at its end (a directory
/// fixture in its expect.txt, with file names). Valid fixtures expect no
/// errors; invalid ones exactly the listed diagnostics, in order.
@Suite struct FixtureTests {
    static let root = TestPaths.packageRoot.appendingPathComponent("Tests/ManifestTests/Fixtures")

    static func fixtures(_ kind: String) -> [String] {
        let dir = root.appendingPathComponent(kind).path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    static func expectations(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            line.hasPrefix("# expect: ") ? String(line.dropFirst("# expect: ".count)) : nil
        }
    }

    /// Diagnostics as `LINE:COL: severity: message`, with paths in messages
    /// relative to the fixtures directory.
    static func rendered(_ diagnostics: DiagnosticList) -> [String] {
        diagnostics.items.map { diagnostic in
            var text = diagnostic.headline
            if let location = diagnostic.location, text.hasPrefix(location.file + ":") {
                text.removeFirst(location.file.count + 1)
            }
            return text.replacingOccurrences(of: root.path + "/", with: "")
        }
    }

    @Test func thereAreEnoughFixtures() {
        #expect(Self.fixtures("valid").count >= 10)
        #expect(Self.fixtures("invalid").count >= 40)
    }

    @Test(arguments: fixtures("valid"))
    func validFixtureLoads(_ name: String) throws {
        let path = Self.root.appendingPathComponent("valid/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let result = ManifestLoader().load(files: [path])
        #expect(result.manifest != nil, "\(name): \(result.diagnostics.rendered)")
        #expect(Self.rendered(result.diagnostics) == Self.expectations(in: text))
    }

    @Test(arguments: fixtures("invalid"))
    func invalidFixtureIsRejected(_ name: String) throws {
        let url = Self.root.appendingPathComponent("invalid/\(name)")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory))
        let expected: [String]
        let files: [String]
        if isDirectory.boolValue {
            let sources = ManifestSources.resolve(configPaths: [url.path], environment: [:])
            files = sources.files
            expected = try String(contentsOfFile: url.appendingPathComponent("expect.txt").path, encoding: .utf8)
                .split(separator: "\n").map(String.init)
        } else {
            files = [url.path]
            expected = Self.expectations(in: try String(contentsOfFile: url.path, encoding: .utf8))
        }
        let result = ManifestLoader().load(files: files)
        #expect(result.manifest == nil)
        #expect(!expected.isEmpty, "\(name) states no expectation")
        let actual: [String]
        if isDirectory.boolValue {
            actual = result.diagnostics.items.map { $0.headline.replacingOccurrences(of: url.path + "/", with: "") }
        } else {
            actual = Self.rendered(result.diagnostics)
        }
        #expect(actual == expected)
    }
}
