import DotslashEngine
import DotslashManifest

/// What every command receives: its parsed arguments, the environment and
/// the terminal.
struct CommandContext: Sendable {
    var arguments: ParsedArguments
    var environment: [String: String]
    var terminal: Terminal

    /// The manifest files: `--config` paths, else `DOTSLASH_CONFIG`, else the defaults.
    var manifestSources: ManifestSources {
        ManifestSources.resolve(configPaths: arguments.values("config"), environment: environment)
    }

    var output: Output {
        Output(out: { Terminal.write(1, $0) }, err: { Terminal.write(2, $0) },
               colorOut: terminal.colorOut, colorErr: terminal.colorErr, interactive: terminal.stderrIsTerminal)
    }

    /// The engine's view of paths and settings, from the common options.
    func engine() throws -> EngineContext {
        do {
            return try EngineContext(
                environment: environment, configPaths: arguments.values("config"),
                stateDirectory: arguments.value("state-dir"), binfmtDirectory: arguments.value("binfmt-dir"),
                output: output)
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 1)
        }
    }
}

/// A command that failed in a way the user must read: printed as
/// `Error: message`, the process exits with `exitCode`.
struct CommandFailure: Error, Sendable {
    var message: String
    var exitCode: Int32
}

/// The options that several commands share, spelt the same everywhere.
enum CommonOptions {
    static let config = OptionSpec.option(
        "config", value: "path", repeatable: true,
        help: "A manifest file or directory of *.yaml files; repeat for more. Replaces the defaults (/etc/dotslash/languages.yaml, then /etc/dotslash/languages.d) and DOTSLASH_CONFIG.")
    static let stateDir = OptionSpec.option(
        "state-dir", value: "path",
        help: "The store (default /var/lib/dotslash for root, else $XDG_DATA_HOME/dotslash; or DOTSLASH_STATE_DIR).")
    static let binfmtDir = OptionSpec.option(
        "binfmt-dir", value: "path",
        help: "The kernel's binfmt_misc directory (default /proc/sys/fs/binfmt_misc; or DOTSLASH_BINFMT_DIR).")
    static let json = OptionSpec.flag("json", help: "Print JSON instead of text.")
}
