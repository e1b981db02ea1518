import DotslashStore

/// `dotslash fetch`: download and verify every rootfs of the manifests
/// into the store, under its lock. Exits 0 when all are there, 1 otherwise.
public enum Fetch {
    public static func run(_ context: EngineContext) -> Int32 {
        let output = context.output
        guard let manifest = ManifestStage.load(context) else { return 1 }
        do {
            try context.state.prepare()
            let lock = try StoreLock(state: context.state) { output.err("\($0)\n") }
            defer { lock.unlock() }
            let images = ImageSession(context: context)
            let desired = try DesiredState.make(manifest: manifest, context: context, pinImage: { try images.pinOnline($0, $1, update: false) })
            let builder = ArtifactBuilder(context: context, images: images)
            var failed: [String] = []
            for target in desired.targets {
                do {
                    try builder.fetch(target)
                } catch {
                    failed.append(target.name)
                    output.err("\(Output.paint("\(target.name): fetch failed:", .red, output.colorErr)) \(error)\n")
                }
            }
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
