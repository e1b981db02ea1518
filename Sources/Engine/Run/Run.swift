import DotslashManifest
import DotslashStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `dotslash run FILE [ARGS...]`: runs FILE through its language without
/// binfmt_misc, building what is missing in the caller's store first, then
/// replacing this process with the runner: the exit status is the script's.
public enum Run {
    /// Exit status when dotslash itself fails before the script starts (as podman run).
    public static let failure: Int32 = 125

    public static func run(_ context: EngineContext, file: String, arguments: [String]) -> Int32 {
        let output = context.output
        func fail(_ message: String) -> Int32 {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(message)\n")
            return failure
        }
        guard FileManager.default.fileExists(atPath: file) else { return fail("\(file): no such file") }
        guard let manifest = ManifestStage.load(context) else { return failure }
        guard let language = LanguageChooser.choose(path: file, manifest: manifest) else {
            let known = manifest.languages.flatMap(\.extensions).map { ".\($0)" }.joined(separator: ", ")
            return fail("no language of the manifests claims \(file) (extensions: \(known.isEmpty ? "none" : known); no magic rule matched)")
        }
        let runner: String
        do {
            runner = try ensureRunner(for: language, manifest: manifest, context: context)
        } catch {
            return fail("\(language.name): \(error)")
        }
        // As `runner FILE ARGS...` by hand: the runner tells this apart from
        // the kernel's P-flag layout by itself.
        execute([runner, file] + arguments)
        return fail("\(language.name): cannot execute the runner \(runner): \(String(cString: strerror(errno)))")
    }

    /// The runner's path, fetching, extracting and building under the store
    /// lock when it is not in the store yet.
    static func ensureRunner(for language: Language, manifest: Manifest, context: EngineContext) throws -> String {
        let single = Manifest(languages: [language], files: manifest.files)
        let desired = try DesiredState.make(manifest: single, context: context, pinImage: ImageSession(context: context).pinOffline)
        if let path = desired.targets.first?.runnerPath, RunnerFiles(state: context.state).contains(path.lastComponent) {
            return path
        }
        let pipeline = try ArtifactPipeline(context: context, manifest: single)
        guard let path = pipeline.desired.targets.first?.runnerPath else {
            throw EngineError(step: "resolving the rootfs", message: "the rootfs could not be pinned")
        }
        if let failure = pipeline.run().first { throw failure.error }
        return path
    }

    static func execute(_ argv: [String]) {
        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        execv(argv[0], &cArguments)
        for pointer in cArguments { free(pointer) }
    }
}

extension String {
    var lastComponent: String {
        split(separator: "/").last.map(String.init) ?? self
    }
}
