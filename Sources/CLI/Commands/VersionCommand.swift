import DotslashEngine

enum VersionCommand {
    static let version = "0.1.0"

    static let spec = CommandSpec(
        name: "version",
        abstract: "Show the version and build information.",
        discussion: nil,
        options: [],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        var text = "dotslash \(version)\n"
        #if compiler(>=6.3)
        let swift = "6.3"
        #else
        let swift = "6"
        #endif
        text += "built with Swift \(swift)\n"
        text += BuildInfo.lines.map { $0 + "\n" }.joined()
        context.terminal.out(text)
        return 0
    }
}
