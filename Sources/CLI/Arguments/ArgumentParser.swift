/// Parses a subcommand's arguments against its spec, in the manner of
/// swift-argument-parser: `--name value`, `--name=value`, flags, `--`.
struct ArgumentParser {
    let spec: CommandSpec

    /// Nil when help was asked for.
    func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments? {
        var parsed = ParsedArguments()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                // Everything after `--` is the command's (shell) or positional.
                if let passthrough = spec.passthrough {
                    var rest = Array(arguments[index...])
                    if !passthrough.afterDoubleDash {
                        // `run -- FILE ARGS...`: FILE is still the positional.
                        let missing = max(0, spec.positionals.count - parsed.positionals.count)
                        parsed.positionals += rest.prefix(missing)
                        rest.removeFirst(min(missing, rest.count))
                    }
                    parsed.passthrough = rest
                } else {
                    parsed.positionals.append(contentsOf: arguments[index...])
                }
                break
            }
            if argument == "-h" || argument == "--help" { return nil }
            if argument.hasPrefix("-"), argument.count > 1 {
                try parseOption(argument, arguments, &index, into: &parsed)
                continue
            }
            parsed.positionals.append(argument)
            if let passthrough = spec.passthrough, !passthrough.afterDoubleDash,
               parsed.positionals.count == spec.positionals.count {
                parsed.passthrough = Array(arguments[index...])
                break
            }
        }
        if parsed.positionals.count > spec.positionals.count {
            throw UsageError(message: "Unexpected argument '\(parsed.positionals[spec.positionals.count])'", command: spec)
        }
        if parsed.positionals.count < spec.positionals.count {
            throw UsageError(message: "Missing expected argument '<\(spec.positionals[parsed.positionals.count].name)>'", command: spec)
        }
        return parsed
    }

    private func parseOption(_ argument: String, _ arguments: [String], _ index: inout Int,
                             into parsed: inout ParsedArguments) throws(UsageError) {
        var name = argument
        var inlineValue: String?
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            name = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        }
        let option = spec.options.first { option in
            name == "--\(option.long)" || option.short.map { name == "-\($0)" } == true
        }
        guard let option else {
            throw UsageError(message: "Unknown option '\(name)'", command: spec)
        }
        guard option.valueName != nil else {
            if inlineValue != nil {
                throw UsageError(message: "The flag '\(name)' does not take a value", command: spec)
            }
            parsed.flags.insert(option.long)
            return
        }
        let value: String
        if let inlineValue {
            value = inlineValue
        } else if index < arguments.count, !arguments[index].hasPrefix("--") {
            value = arguments[index]
            index += 1
        } else {
            throw UsageError(message: "Missing value for '\(option.synopsis)'", command: spec)
        }
        if !option.repeatable, parsed.options[option.long] != nil {
            throw UsageError(message: "The option '\(name)' was given more than once", command: spec)
        }
        parsed.options[option.long, default: []].append(value)
    }
}
