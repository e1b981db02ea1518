import DotslashEngine
import DotslashManifest

enum ValidateCommand {
    static let spec = CommandSpec(
        name: "validate",
        abstract: "Load and check the manifests; no network, no kernel.",
        discussion: "Reports every problem in every manifest file as FILE:LINE:COL: error: MESSAGE, with the offending line and a caret. Exits 0 when the manifests are valid, 1 when they are not.",
        options: [CommonOptions.config, CommonOptions.stateDir],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        let sources = context.manifestSources
        let engine = try context.engine()
        let result = ManifestLoader(runnersDirectory: engine.state.runnersDirectory).load(files: sources.files)
        var diagnostics = sources.diagnostics
        diagnostics.append(contentsOf: result.diagnostics)
        DiagnosticPrinter.print(diagnostics, to: context.output)

        guard !diagnostics.hasErrors, let manifest = result.manifest else {
            let errors = diagnostics.errors.count
            let files = Set(diagnostics.errors.compactMap { $0.location?.file }).count
            var summary = "\(errors) \(plural(errors, "error"))"
            if files > 0 { summary += " in \(files) \(plural(files, "file"))" }
            context.terminal.err("\(summary); the manifests are not valid\n")
            return 1
        }
        if manifest.files.isEmpty {
            context.terminal.out("valid: no manifests found (looked in \(sources.searched.joined(separator: ", ")))\n")
            return 0
        }
        let languages = manifest.languages.count
        let extensions = manifest.languages.reduce(0) { $0 + $1.extensions.count }
        let magic = manifest.languages.reduce(0) { $0 + $1.magic.count }
        var detail = "\(extensions) \(plural(extensions, "extension"))"
        if magic > 0 { detail += ", \(magic) magic \(plural(magic, "rule"))" }
        context.terminal.out("valid: \(languages) \(plural(languages, "language")) (\(detail)) in \(manifest.files.count) \(plural(manifest.files.count, "file"))\n")
        return 0
    }
}

func plural(_ count: Int, _ word: String) -> String {
    count == 1 ? word : word + "s"
}
