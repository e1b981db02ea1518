import DotslashManifest
import DotslashStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Everything a command needs to know about where things are, resolved once
/// from flags, the environment and who is running (design sections 1 to 3).
public struct EngineContext: Sendable {
    public var environment: [String: String]
    /// Manifest paths from `--config` (empty: DOTSLASH_CONFIG or the defaults).
    public var configPaths: [String]
    public var state: StateDirectory
    /// The kernel's binfmt_misc directory: `--binfmt-dir`, DOTSLASH_BINFMT_DIR,
    /// else /proc/sys/fs/binfmt_misc.
    public var binfmtDirectory: String
    /// Where `dotslash.conf` goes: DOTSLASH_BINFMT_D, else /etc/binfmt.d.
    public var persistDirectory: String
    /// True when DOTSLASH_BINFMT_D names the directory explicitly.
    public var persistDirectoryIsExplicit: Bool
    /// The runner stub `dotslash-runner` (design section 4).
    public var runnerStub: String
    public var output: Output

    public init(environment: [String: String], configPaths: [String], stateDirectory: String?,
                binfmtDirectory: String?, output: Output) throws(EngineError) {
        self.environment = environment
        self.configPaths = configPaths
        self.output = output
        let statePath: String
        if let stateDirectory, !stateDirectory.isEmpty {
            statePath = stateDirectory
        } else {
            do {
                statePath = try StateDirectory.defaultPath(environment: environment, uid: geteuid())
            } catch {
                throw EngineError(step: "finding the state directory", message: "\(error)")
            }
        }
        state = StateDirectory(path: statePath)
        self.binfmtDirectory = binfmtDirectory.flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["DOTSLASH_BINFMT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/proc/sys/fs/binfmt_misc"
        if let explicit = environment["DOTSLASH_BINFMT_D"], !explicit.isEmpty {
            persistDirectory = explicit
            persistDirectoryIsExplicit = true
        } else {
            persistDirectory = "/etc/binfmt.d"
            persistDirectoryIsExplicit = false
        }
        runnerStub = RunnerStub.locate(environment: environment)
    }

    /// The manifest files to read.
    public var manifestSources: ManifestSources {
        ManifestSources.resolve(configPaths: configPaths, environment: environment)
    }
}

/// A failure of a command step, with what was being done and a hint.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var message: String
    public var hint: String?

    public init(step: String, message: String, hint: String? = nil) {
        self.step = step
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "\(step): \(message)"
        if let hint { text += "\nhint: \(hint)" }
        return text
    }
}
