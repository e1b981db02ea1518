import DotslashEngine

enum ShellCommand {
    static let spec = CommandSpec(
        name: "shell",
        abstract: "Start a shell where every language is registered, without root.",
        discussion: "Builds every language in your store, then enters a private user and mount namespace with a binfmt_misc of its own (Linux 6.7 and later) where each language is registered, and runs $SHELL, or CMD after '--', as you, without capabilities. Nothing outside that namespace changes. The exit status is the shell's (or CMD's); 125 means dotslash failed before it started.",
        options: [CommonOptions.config, CommonOptions.stateDir],
        positionals: [],
        passthrough: PassthroughSpec(name: "command", help: "The command to run instead of $SHELL.", afterDoubleDash: true))

    static func run(_ context: CommandContext) throws -> Int32 {
        Shell.run(try context.engine(), command: context.arguments.passthrough)
    }
}
