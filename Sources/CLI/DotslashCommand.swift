#if canImport(Glibc)
import Glibc
#endif
import DotslashEngine
import DotslashManifest

/// The `dotslash` command line: finds the subcommand, parses its arguments,
/// runs it and turns errors into messages and exit codes.
public enum DotslashCommand {
    static let abstract = "./anything.ext for every language, without installing the language."
    static let usageExitCode: Int32 = 64

    struct Entry: Sendable {
        var spec: CommandSpec
        var run: @Sendable (CommandContext) throws -> Int32
    }

    /// The commands, in the order help lists them. A command joins this list
    /// only when it works.
    static let commands: [Entry] = [
        Entry(spec: ValidateCommand.spec, run: ValidateCommand.run),
        Entry(spec: DiffCommand.spec, run: DiffCommand.run),
        Entry(spec: ApplyCommand.spec, run: ApplyCommand.run),
        Entry(spec: StatusCommand.spec, run: StatusCommand.run),
        Entry(spec: RunCommand.spec, run: RunCommand.run),
        Entry(spec: ShellCommand.spec, run: ShellCommand.run),
        Entry(spec: FetchCommand.spec, run: FetchCommand.run),
        Entry(spec: GCCommand.spec, run: GCCommand.run),
        Entry(spec: VersionCommand.spec, run: VersionCommand.run),
    ]

    public static func main() -> Never {
        let environment = Environment.current()
        let terminal = Terminal(environment: environment)
        exit(run(Array(CommandLine.arguments.dropFirst()), environment: environment, terminal: terminal))
    }

    static func run(_ arguments: [String], environment: [String: String], terminal: Terminal) -> Int32 {
        let specs = commands.map(\.spec)
        guard let first = arguments.first else {
            terminal.out(HelpFormatter.rootHelp(abstract: abstract, commands: specs))
            return 0
        }
        switch first {
        case "-h", "--help":
            terminal.out(HelpFormatter.rootHelp(abstract: abstract, commands: specs))
            return 0
        case "--version":
            terminal.out("\(VersionCommand.version)\n")
            return 0
        case "help":
            return help(Array(arguments.dropFirst()), terminal: terminal)
        default:
            break
        }
        guard let entry = commands.first(where: { $0.spec.name == first }) else {
            return report(unknownCommand(first), terminal: terminal)
        }
        do {
            guard let parsed = try ArgumentParser(spec: entry.spec).parse(Array(arguments.dropFirst())) else {
                terminal.out(HelpFormatter.help(entry.spec))
                return 0
            }
            return try entry.run(CommandContext(arguments: parsed, environment: environment, terminal: terminal))
        } catch let error as UsageError {
            return report(error, terminal: terminal)
        } catch let error as CommandFailure {
            terminal.err("\(Output.paint("Error:", .red, terminal.colorErr)) \(error.message)\n")
            return error.exitCode
        } catch {
            terminal.err("\(Output.paint("Error:", .red, terminal.colorErr)) \(error)\n")
            return 1
        }
    }

    /// `dotslash help [COMMAND]`.
    static func help(_ arguments: [String], terminal: Terminal) -> Int32 {
        guard let name = arguments.first else {
            terminal.out(HelpFormatter.rootHelp(abstract: abstract, commands: commands.map(\.spec)))
            return 0
        }
        if arguments.count > 1 {
            return report(UsageError(message: "Unexpected argument '\(arguments[1])'", command: nil), terminal: terminal)
        }
        if name == "help" {
            terminal.out("OVERVIEW: Show help for a subcommand.\n\nUSAGE: dotslash help [<subcommand>]\n")
            return 0
        }
        guard let entry = commands.first(where: { $0.spec.name == name }) else {
            return report(unknownCommand(name), terminal: terminal)
        }
        terminal.out(HelpFormatter.help(entry.spec))
        return 0
    }

    static func unknownCommand(_ name: String) -> UsageError {
        var message = "Unknown subcommand '\(name)'"
        let names = commands.map(\.spec.name) + ["help"]
        if let guess = Suggestion.closest(to: name, among: names) {
            message += "; did you mean '\(guess)'?"
        }
        return UsageError(message: message, command: nil)
    }

    /// Prints a usage error the way swift-argument-parser does; exit 64.
    static func report(_ error: UsageError, terminal: Terminal) -> Int32 {
        var text = "\(Output.paint("Error:", .red, terminal.colorErr)) \(error.message)\n"
        if let spec = error.command {
            text += "Usage: \(HelpFormatter.usage(spec))\n"
            text += "  See 'dotslash \(spec.name) --help' for more information.\n"
        } else {
            text += "Usage: dotslash <subcommand>\n"
            text += "  See 'dotslash --help' for more information.\n"
        }
        terminal.err(text)
        return usageExitCode
    }
}

/// The process environment as a dictionary.
enum Environment {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
