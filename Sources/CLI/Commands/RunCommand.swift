import DotslashEngine

enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run a file through its language, without binfmt_misc.",
        discussion: "Chooses the language as the kernel would (the text after the last dot, case-sensitive; then magic bytes), builds its runner in your store if it is missing, and replaces itself with it. Everything after FILE goes to the script unchanged. The exit status is the script's; 125 means dotslash failed before the script started.",
        options: [CommonOptions.config, CommonOptions.stateDir],
        positionals: [PositionalSpec(name: "file", help: "The script to run.")],
        passthrough: PassthroughSpec(name: "args", help: "Arguments for the script.", afterDoubleDash: false))

    static func run(_ context: CommandContext) throws -> Int32 {
        guard let file = context.arguments.positionals.first else { return 64 }
        return Run.run(try context.engine(), file: file, arguments: context.arguments.passthrough)
    }
}
