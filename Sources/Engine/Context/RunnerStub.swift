import DotslashDigest
import DotslashStore
import Foundation

/// The plain `dotslash-runner` executable that every runner starts with.
/// Found through DOTSLASH_RUNNER, else next to the `dotslash` executable,
/// else in `../libexec/dotslash/` relative to it (where `make install` puts it).
public enum RunnerStub {
    public static func locate(environment: [String: String]) -> String {
        if let explicit = environment["DOTSLASH_RUNNER"], !explicit.isEmpty { return explicit }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let directory = (executable as NSString).deletingLastPathComponent
        let candidates = [
            directory + "/dotslash-runner",
            ((directory as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent("libexec/dotslash/dotslash-runner"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// The stub's digest, part of every runner id.
    public static func digest(of path: String) throws(EngineError) -> Digest {
        do {
            return try BlobStore.digest(ofFile: path)
        } catch {
            throw EngineError(
                step: "reading the runner stub", message: "\(path): \(error)",
                hint: "reinstall dotslash (make install puts dotslash-runner in PREFIX/libexec/dotslash), or point DOTSLASH_RUNNER at it")
        }
    }
}
