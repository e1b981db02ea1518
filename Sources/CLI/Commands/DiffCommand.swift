import DotslashEngine

enum DiffCommand {
    static let spec = CommandSpec(
        name: "diff",
        abstract: "Show what apply would change in the binfmt_misc table; no network, no changes.",
        discussion: "Compares the entries the manifests ask for with the kernel's binfmt_misc table, in the manner of terraform plan: + to add, ~ to change (each field old → new), - to remove, ! conflicts with other tools' entries, which are never touched. Also lists work apply would do in the store. Exits 0 when in sync, 1 when changes are pending, 2 on error.",
        options: [CommonOptions.config, CommonOptions.stateDir, CommonOptions.binfmtDir, CommonOptions.json],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        let engine: EngineContext
        do {
            engine = try context.engine()
        } catch let failure as CommandFailure {
            throw CommandFailure(message: failure.message, exitCode: Diff.ExitCode.error)
        }
        return Diff.run(engine, json: context.arguments.flag("json"))
    }
}
