import DotslashManifest

/// Loads and validates the manifests for a command, printing every
/// diagnostic; nil when they are invalid (the whole run is rejected).
enum ManifestStage {
    static func load(_ context: EngineContext) -> Manifest? {
        let sources = context.manifestSources
        let result = ManifestLoader(runnersDirectory: context.state.runnersDirectory).load(files: sources.files)
        var diagnostics = sources.diagnostics
        diagnostics.append(contentsOf: result.diagnostics)
        DiagnosticPrinter.print(diagnostics, to: context.output)
        guard !diagnostics.hasErrors, let manifest = result.manifest else {
            let count = diagnostics.errors.count
            context.output.err("\(count) \(count == 1 ? "error" : "errors") in the manifests; nothing was changed\n")
            return nil
        }
        return manifest
    }
}
