import DotslashEngine

enum GCCommand {
    static let spec = CommandSpec(
        name: "gc",
        abstract: "Delete store objects that no manifest or registration uses.",
        discussion: "Keeps every blob, rootfs tree and runner that a language of the manifests or an entry of the binfmt_misc table uses; deletes the rest and prints what and how much.",
        options: [CommonOptions.config, CommonOptions.stateDir, CommonOptions.binfmtDir,
                  .flag("dry-run", help: "List what would be deleted; delete nothing.")],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        Collect.run(try context.engine(), dryRun: context.arguments.flag("dry-run"))
    }
}
