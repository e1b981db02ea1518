import Foundation

/// Which manifest files a run reads (design section 1): the defaults, or
/// `--config` paths, or `DOTSLASH_CONFIG`; directories contribute their
/// `*.yaml` and `*.yml` files in byte order of name.
public struct ManifestSources: Sendable, Equatable {
    public static let defaultFile = "/etc/dotslash/languages.yaml"
    public static let defaultDirectory = "/etc/dotslash/languages.d"

    /// The files to read, in order.
    public var files: [String]
    /// What was asked for, for messages ("no manifests in ...").
    public var searched: [String]
    /// Problems finding them: a `--config` path that does not exist.
    public var diagnostics: DiagnosticList

    /// `configPaths` (from `--config`) win over `DOTSLASH_CONFIG`, which wins
    /// over the defaults. Missing default locations are skipped silently.
    public static func resolve(configPaths: [String], environment: [String: String]) -> ManifestSources {
        var explicit = configPaths
        var origin = "--config"
        if explicit.isEmpty, let value = environment["DOTSLASH_CONFIG"], !value.isEmpty {
            explicit = value.split(separator: ":").map(String.init)
            origin = "DOTSLASH_CONFIG"
        }
        var sources = ManifestSources(files: [], searched: [], diagnostics: DiagnosticList())
        if explicit.isEmpty {
            sources.searched = [defaultFile, defaultDirectory]
            for path in sources.searched {
                sources.add(path, required: false, origin: origin)
            }
        } else {
            sources.searched = explicit
            for path in explicit {
                sources.add(path, required: true, origin: origin)
            }
        }
        return sources
    }

    private mutating func add(_ path: String, required: Bool, origin: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if required {
                diagnostics.append(Diagnostic(.error, "\(origin) path '\(path)' does not exist"))
            }
            return
        }
        guard isDirectory.boolValue else {
            files.append(path)
            return
        }
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            files.append(contentsOf: names.map { "\(base)/\($0)" })
        } catch {
            diagnostics.append(Diagnostic(.error, "cannot list manifest directory '\(path)': \(error.localizedDescription)"))
        }
    }
}
