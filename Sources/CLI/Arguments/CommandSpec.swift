/// What a subcommand accepts, from which both parsing and help are made.
struct CommandSpec: Sendable {
    var name: String
    /// One line, shown in the command list and as OVERVIEW.
    var abstract: String
    /// Longer help text, shown under the overview.
    var discussion: String?
    var options: [OptionSpec]
    var positionals: [PositionalSpec]
    /// Everything after the last positional (or after `--`) is passed through,
    /// unparsed: the script's arguments for `run`, the command for `shell`.
    var passthrough: PassthroughSpec?
}

struct OptionSpec: Sendable {
    var long: String
    var short: Character?
    /// Nil for a flag; else the placeholder shown in help, e.g. "path".
    var valueName: String?
    var help: String
    var repeatable = false

    static func flag(_ long: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(long: long, short: short, valueName: nil, help: help)
    }

    static func option(_ long: String, value: String, repeatable: Bool = false, help: String) -> OptionSpec {
        OptionSpec(long: long, short: nil, valueName: value, help: help, repeatable: repeatable)
    }

    var synopsis: String {
        var text = "--\(long)"
        if let valueName { text += " <\(valueName)>" }
        return text
    }

    var helpLabel: String {
        (short.map { "-\($0), " } ?? "") + synopsis
    }
}

struct PositionalSpec: Sendable {
    var name: String
    var help: String
}

struct PassthroughSpec: Sendable {
    var name: String
    var help: String
    /// True when the arguments must follow `--` (shell); false when they
    /// start right after the positionals (run).
    var afterDoubleDash: Bool
}

/// The parsed command line of one subcommand.
struct ParsedArguments: Sendable {
    var flags: Set<String> = []
    var options: [String: [String]] = [:]
    var positionals: [String] = []
    var passthrough: [String] = []

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func values(_ name: String) -> [String] { options[name] ?? [] }
    func value(_ name: String) -> String? { options[name]?.last }
}

/// A mistake on the command line: printed with the usage, exit 64.
struct UsageError: Error, Sendable {
    var message: String
    var command: CommandSpec?
}
