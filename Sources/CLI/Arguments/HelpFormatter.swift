/// Help and usage text in the layout of swift-argument-parser.
enum HelpFormatter {
    static let width = 80
    static let labelColumn = 26

    static func usage(_ spec: CommandSpec) -> String {
        var parts = ["dotslash", spec.name]
        for option in spec.options {
            parts.append(option.repeatable ? "[\(option.synopsis) ...]" : "[\(option.synopsis)]")
        }
        parts += spec.positionals.map { "<\($0.name)>" }
        if let passthrough = spec.passthrough {
            parts.append(passthrough.afterDoubleDash ? "[-- <\(passthrough.name)> ...]" : "[<\(passthrough.name)> ...]")
        }
        return parts.joined(separator: " ")
    }

    static func help(_ spec: CommandSpec) -> String {
        var text = "OVERVIEW: \(spec.abstract)\n\n"
        if let discussion = spec.discussion { text += wrap(discussion, indent: 0) + "\n\n" }
        text += "USAGE: \(usage(spec))\n\n"
        if !spec.positionals.isEmpty || spec.passthrough != nil {
            text += "ARGUMENTS:\n"
            for positional in spec.positionals {
                text += row("<\(positional.name)>", positional.help)
            }
            if let passthrough = spec.passthrough {
                text += row("<\(passthrough.name)>", passthrough.help)
            }
            text += "\n"
        }
        text += "OPTIONS:\n"
        for option in spec.options {
            text += row(option.helpLabel, option.help)
        }
        text += row("-h, --help", "Show help information.")
        return text
    }

    static func rootHelp(abstract: String, commands: [CommandSpec]) -> String {
        var text = "OVERVIEW: \(abstract)\n\n"
        text += "USAGE: dotslash <subcommand>\n\n"
        text += "OPTIONS:\n"
        text += row("--version", "Show the version.")
        text += row("-h, --help", "Show help information.")
        text += "\nSUBCOMMANDS:\n"
        for command in commands {
            text += row(command.name, command.abstract)
        }
        text += "\n  See 'dotslash help <subcommand>' for detailed help.\n"
        return text
    }

    /// `  label                   help`, help wrapped under its column.
    static func row(_ label: String, _ help: String) -> String {
        let padded = "  " + label
        let lines = wrapLines(help, width: width - labelColumn)
        var text = ""
        for (index, line) in lines.enumerated() {
            if index == 0 {
                if padded.count < labelColumn - 1 {
                    text += padded + String(repeating: " ", count: labelColumn - padded.count) + line + "\n"
                } else {
                    text += padded + "\n" + String(repeating: " ", count: labelColumn) + line + "\n"
                }
            } else {
                text += String(repeating: " ", count: labelColumn) + line + "\n"
            }
        }
        if lines.isEmpty { text += padded + "\n" }
        return text
    }

    static func wrap(_ text: String, indent: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { paragraph in
            wrapLines(String(paragraph), width: width - indent)
                .map { String(repeating: " ", count: indent) + $0 }
                .joined(separator: "\n")
        }.joined(separator: "\n")
    }

    static func wrapLines(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
