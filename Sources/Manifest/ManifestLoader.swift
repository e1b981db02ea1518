import DotslashBinfmt
import Foundation

/// The outcome of loading manifests: a manifest when there are no errors,
/// and every diagnostic (errors and warnings) either way.
public struct ManifestLoadResult: Sendable {
    public var manifest: Manifest?
    public var diagnostics: DiagnosticList
}

/// Loads and validates manifest files (design section 1). Validation rejects
/// the whole run: `manifest` is nil as soon as any file has an error.
public struct ManifestLoader: Sendable {
    /// A manifest file larger than this is refused before parsing.
    public static let maximumFileSize = 16 << 20

    /// Where runners will live; register strings are sized with it.
    public var runnersDirectory: String

    public init(runnersDirectory: String = "/var/lib/dotslash/runners") {
        self.runnersDirectory = runnersDirectory
    }

    public func load(files: [String]) -> ManifestLoadResult {
        var inputs: [SourceFile] = []
        var diagnostics = DiagnosticList()
        for path in files {
            switch Self.read(path) {
            case .success(let bytes): inputs.append(SourceFile(path: path, bytes: bytes))
            case .failure(let diagnostic): diagnostics.append(diagnostic)
            }
        }
        var result = load(inputs)
        result.diagnostics = {
            var all = diagnostics
            all.append(contentsOf: result.diagnostics)
            return all
        }()
        if result.diagnostics.hasErrors { result.manifest = nil }
        return result
    }

    /// Loads manifest text that is not on disk (tests, standard input).
    public func load(text: String, path: String) -> ManifestLoadResult {
        load([SourceFile(path: path, bytes: Array(text.utf8))])
    }

    private func load(_ sources: [SourceFile]) -> ManifestLoadResult {
        var diagnostics = DiagnosticList()
        var languages: [Language] = []
        var names: [String: (location: SourceLocation, line: String?)] = [:]
        var claimed: [String: (language: String, location: SourceLocation, line: String?)] = [:]
        var entryNames: [String: (language: String, location: SourceLocation)] = [:]
        var magicRules: [(language: String, match: BinfmtEntry.Match, location: SourceLocation, line: String?)] = []
        let decoder = LanguageDecoder(runnersDirectory: runnersDirectory)

        for source in sources {
            var report = Report(source: source)
            for (name, nameNode, spec) in languageNodes(in: source, report: &report) {
                let nameLocation = report.location(of: nameNode)
                if let first = names[name] {
                    report.error("language '\(name)' is defined twice; first at \(first.location)", at: nameNode)
                    report.note("language '\(name)' first defined here", at: first.location, sourceLine: first.line)
                    continue
                }
                names[name] = (nameLocation, source.line(nameNode.line))
                guard let decoded = decoder.decode(name: name, nameNode: nameNode, spec: spec, report: &report) else {
                    continue
                }
                var clash = false
                for (ext, node) in zip(decoded.language.extensions, decoded.extensionNodes) {
                    if let owner = claimed[ext] {
                        report.error("extension '\(ext)' is already claimed by language '\(owner.language)' at \(owner.location)", at: node)
                        report.note("extension '\(ext)' first claimed here", at: owner.location, sourceLine: owner.line)
                        clash = true
                    } else {
                        claimed[ext] = (name, report.location(of: node), source.line(node.line))
                    }
                }
                guard decoded.isValid, !clash else { continue }
                // Entry names join language and extension with '-', which both may contain.
                for entry in DesiredEntries.make(for: decoded.language, runnerPath: "/r") {
                    if let other = entryNames[entry.name] {
                        report.error("language '\(name)' needs the binfmt entry '\(entry.name)', which language '\(other.language)' at \(other.location) needs too; rename one of them", at: nameNode)
                        clash = true
                    }
                    entryNames[entry.name] = (name, nameLocation)
                }
                for (rule, node) in zip(decoded.language.magic, decoded.magicNodes) {
                    let match = BinfmtEntry.Match.magic(offset: rule.offset, bytes: rule.bytes, mask: rule.mask)
                    if let other = magicRules.first(where: { $0.language != name && $0.match.overlaps(match) }) {
                        report.warning("this magic rule overlaps one of language '\(other.language)' at \(other.location); the kernel gives a file that matches both to the entry registered last", at: node)
                        report.note("the other magic rule", at: other.location, sourceLine: other.line)
                    }
                    magicRules.append((name, match, report.location(of: node), source.line(node.line)))
                }
                if !clash { languages.append(decoded.language) }
            }
            diagnostics.append(contentsOf: report.diagnostics)
        }
        let manifest = diagnostics.hasErrors ? nil : Manifest(languages: languages, files: sources.map(\.path))
        return ManifestLoadResult(manifest: manifest, diagnostics: diagnostics)
    }

    /// The `languages:` entries of one file, after the top-level checks.
    private func languageNodes(in source: SourceFile, report: inout Report) -> [(String, YAMLNode, YAMLNode)] {
        let reader = YAMLReader(bytes: source.bytes)
        let root: YAMLNode?
        do {
            root = try reader.read { key, first in
                let text = (try? Self.keyText(key)) ?? ""
                report.error("duplicate key '\(text)'; it was first set at line \(first.line), column \(first.column)", at: key)
            }
        } catch {
            report.diagnostics.append(source.diagnostic(.error, error.message, line: error.line, column: error.column))
            return []
        }
        guard let root else {
            report.diagnostics.append(source.diagnostic(
                .error, "the manifest is empty; it needs a top-level 'languages:' mapping", line: 1, column: 1))
            return []
        }
        guard let pairs = report.mapping(root, "a manifest", hint: "; it needs a top-level 'languages:' mapping") else {
            return []
        }
        MappingReader(pairs, context: "the top level", allowedKeys: ["languages"]).checkKeys(into: &report)
        guard let languagesPair = pairs.first(where: { $0.keyText == "languages" }) else {
            report.error("the manifest has no 'languages:' key", at: root)
            return []
        }
        if case .scalar(let scalar) = languagesPair.value.kind, scalar.resolvedType == .null {
            return []  // `languages:` with everything commented out.
        }
        guard let languages = report.mapping(languagesPair.value, "'languages'", hint: "; write 'languages:' then one 'name:' per language")
        else { return [] }
        return languages.map { ($0.keyText, $0.key, $0.value) }
    }

    private static func keyText(_ node: YAMLNode) throws -> String {
        if case .scalar(let scalar) = node.kind { return scalar.text }
        return ""
    }

    private static func read(_ path: String) -> Result<[UInt8], Diagnostic> {
        let location = SourceLocation(file: path, line: 1, column: 1)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = String(cString: strerror(errno))
            return .failure(Diagnostic(.error, "cannot read the manifest: \(reason)", at: location))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
            if data.count > maximumFileSize {
                return .failure(Diagnostic(.error, "the manifest is larger than \(maximumFileSize >> 20) MiB", at: location))
            }
            return .success([UInt8](data))
        } catch {
            return .failure(Diagnostic(.error, "cannot read the manifest: \(error.localizedDescription)", at: location))
        }
    }
}
