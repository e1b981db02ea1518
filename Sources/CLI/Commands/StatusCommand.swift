import DotslashEngine

enum StatusCommand {
    static let spec = CommandSpec(
        name: "status",
        abstract: "List every binfmt_misc entry, ours and foreign, with its language, runner and rootfs.",
        discussion: "For each entry of the kernel's binfmt_misc table: whether it is enabled, the language it belongs to, its runner and whether the runner's rootfs is in the store, and how it differs from the manifests. Entries of other tools are listed and marked foreign. Always exits 0.",
        options: [CommonOptions.config, CommonOptions.stateDir, CommonOptions.binfmtDir, CommonOptions.json],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        Status.run(try context.engine(), json: context.arguments.flag("json"))
    }
}
