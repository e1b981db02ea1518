import DotslashBinfmt
import DotslashDigest
import DotslashStore
import Foundation
import RunnerFormat

/// `dotslash gc [--dry-run]`: deletes blobs, rootfs trees and runners that
/// neither the manifests nor a registered entry use. Always exits 0 unless
/// it cannot tell what is in use.
public enum Collect {
    public static func run(_ context: EngineContext, dryRun: Bool) -> Int32 {
        let output = context.output
        guard let manifest = ManifestStage.load(context) else {
            output.err("gc needs valid manifests to know what is in use; nothing was deleted\n")
            return 1
        }
        do {
            try context.state.prepare()
            let lock = try StoreLock(state: context.state) { output.err("\($0)\n") }
            defer { lock.unlock() }
            let desired = try DesiredState.make(manifest: manifest, context: context, pinImage: ImageSession(context: context).pinOffline)
            var keep = StoreReferences()
            for target in desired.targets {
                if let rootfs = target.rootfs {
                    keep.blobs.insert(rootfs.key)
                    keep.rootfs.insert(rootfs.key)
                }
                if let id = target.runnerID { keep.runners.insert("\(target.name)-\(id)") }
            }
            // Whatever a registered entry runs stays, with its rootfs.
            let kernel = try KernelView.read(context)
            let prefix = context.state.runnersDirectory + "/"
            for entry in kernel.entries where entry.isOwned && entry.interpreter.hasPrefix(prefix) {
                keep.runners.insert(entry.interpreter.lastComponent)
                if let trailer = try? RunnerTrailer.read(path: entry.interpreter), let key = Digest(hex: trailer.settings.rootfsKey) {
                    keep.blobs.insert(key)
                    keep.rootfs.insert(key)
                }
            }
            try ImageSession.references(context, languages: manifest.languages.map(\.name), into: &keep)
            let report = try GarbageCollector(state: context.state).collect(keeping: keep, dryRun: dryRun)
            for item in report.items {
                output.out("\(dryRun ? "would delete" : "deleted") \(item)\n")
            }
            output.out(report.summary + "\n")
            return 0
        } catch {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(error)\n")
            return 1
        }
    }
}
