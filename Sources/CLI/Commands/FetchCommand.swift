import DotslashEngine

enum FetchCommand {
    static let spec = CommandSpec(
        name: "fetch",
        abstract: "Download and verify every rootfs of the manifests.",
        discussion: "Downloads each rootfs into the store (blobs/sha256), hashing it while it streams; a download whose digest does not match is deleted and reported. Interrupted downloads resume. Exits 0 when every rootfs is in the store, 1 otherwise.",
        options: [CommonOptions.config, CommonOptions.stateDir],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        Fetch.run(try context.engine())
    }
}
