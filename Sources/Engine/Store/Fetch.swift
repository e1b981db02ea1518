import DotslashStore

/// `dotslash fetch`: download and verify every rootfs of the manifests
/// into the store, under its lock. Exits 0 when all are there, 1 otherwise.
public enum Fetch {
    public static func run(_ context: EngineContext) -> Int32 {
        let output = context.output
        guard let manifest = ManifestStage.load(context) else { return 1 }
        do {
            let pipeline = try ArtifactPipeline(context: context, manifest: manifest)
            let desired = pipeline.desired
            let failed = pipeline.run([.fetch]).map(\.language)
            if failed.isEmpty {
                output.out("Fetched and verified \(desired.targets.count) \(desired.targets.count == 1 ? "rootfs" : "rootfs trees") in \(context.state.root).\n")
                return 0
            }
            output.out("Fetch failed for: \(failed.joined(separator: ", ")).\n")
            return 1
        } catch {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(error)\n")
            return 1
        }
    }
}
