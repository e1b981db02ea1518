import CSystem
import DotslashBinfmt
import DotslashManifest
import DotslashStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `dotslash shell [-- CMD...]` (design section 5): without root, a private
/// user namespace with its own binfmt_misc (Linux 6.7 and later) in which
/// every language of the manifests is registered; then `$SHELL` or CMD runs
/// there as the caller, with no capabilities. Nothing outside changes.
///
/// Two namespaces: in the outer one the caller is root, which binfmt_misc
/// needs (its files belong to the namespace's root); the inner one maps the
/// caller's own uid back, and a binfmt_misc lookup from it walks up to the
/// outer namespace's table.
public enum Shell {
    public static let failure: Int32 = 125
    static let binfmtDirectory = "/proc/sys/fs/binfmt_misc"

    public static func run(_ context: EngineContext, command: [String]) -> Int32 {
        let output = context.output
        func fail(_ message: String) -> Int32 {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(message)\n")
            return failure
        }
        if let problem = KernelVersion.binfmtNamespaceProblem() { return fail(problem) }
        guard let manifest = ManifestStage.load(context) else { return failure }

        let entries: [BinfmtEntry]
        do {
            entries = try prepare(context, manifest: manifest)
        } catch {
            return fail("\(error)")
        }

        let uid = getuid(), gid = getgid()
        do {
            try UserNamespace.enter(insideUID: 0, insideGID: 0, mountNamespace: true)
            try UserNamespace.makeMountsPrivate()
            guard ds_mount("binfmt_misc", binfmtDirectory, "binfmt_misc", ds_MS_NOSUID | ds_MS_NODEV | ds_MS_NOEXEC, nil) == 0 else {
                let code = errno
                throw EngineError(step: "mounting a private binfmt_misc at \(binfmtDirectory)", message: String(cString: strerror(code)),
                                  hint: "a binfmt_misc of its own needs Linux 6.7 or later; use `sudo dotslash apply` instead")
            }
            let table = BinfmtTable(directory: binfmtDirectory)
            for entry in entries {
                do {
                    try table.register(entry)
                } catch {
                    output.err("warning: \(entry.name): \(error)\n")
                }
            }
            try UserNamespace.enter(insideUID: uid, insideGID: gid, mountNamespace: false)
        } catch {
            return fail("\(error)")
        }
        guard ds_clear_capabilities() == 0 else { return fail("dropping capabilities: \(String(cString: strerror(errno)))") }

        let argv = command.isEmpty ? [context.environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"] : command
        setenv("DOTSLASH_SHELL", "1", 1)
        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        execvp(argv[0], &cArguments)
        let code = errno
        return fail("\(argv[0]): \(String(cString: strerror(code)))")
    }

    /// Fetches, extracts and builds every language in the caller's store;
    /// returns the entries of those that are ready. Failures are printed and
    /// leave that language out.
    static func prepare(_ context: EngineContext, manifest: Manifest) throws -> [BinfmtEntry] {
        let pipeline = try ArtifactPipeline(context: context, manifest: manifest)
        let failed = Set(pipeline.run().map(\.language))
        for language in failed.sorted() {
            context.output.err("\(language): left out of this shell\n")
        }
        return pipeline.desired.targets.filter { !failed.contains($0.name) }.flatMap(\.entries)
    }
}

/// Linux 6.7 gave each user namespace a binfmt_misc of its own.
enum KernelVersion {
    static func binfmtNamespaceProblem() -> String? {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return binfmtNamespaceProblem(release: release)
    }

    /// Why a kernel of this `uname -r` cannot give `dotslash shell` a private
    /// binfmt_misc; nil when it can (or the release cannot be read).
    static func binfmtNamespaceProblem(release: String) -> String? {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        if parts[0] > 6 || (parts[0] == 6 && parts[1] >= 7) { return nil }
        return "dotslash shell needs Linux 6.7 or later, where a user namespace can mount a binfmt_misc of its own; this kernel is \(release). Use `sudo dotslash apply` to register languages system-wide instead."
    }
}
