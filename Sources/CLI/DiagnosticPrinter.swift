import DotslashManifest

/// Prints manifest diagnostics in the compiler layout, coloured on a terminal.
enum DiagnosticPrinter {
    static func render(_ diagnostic: Diagnostic, color: Bool) -> String {
        guard color else { return diagnostic.description + "\n" }
        let style: Terminal.Style
        switch diagnostic.severity {
        case .error: style = .red
        case .warning: style = .magenta
        case .note: style = .cyan
        }
        var lines = diagnostic.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let label = "\(diagnostic.severity.rawValue):"
        if let range = lines[0].range(of: "\(label) ") {
            // "FILE:LINE:COL: " before the label, the message after it.
            let place = String(lines[0][..<range.lowerBound])
            let message = String(lines[0][range.upperBound...])
            lines[0] = Terminal.paint(place, .bold, enabled: !place.isEmpty) + Terminal.paint(label, style, enabled: true)
                + " " + Terminal.paint(message, .bold, enabled: true)
        }
        if lines.count == 3 { lines[2] = Terminal.paint(lines[2], .green, enabled: true) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func print(_ diagnostics: DiagnosticList, to terminal: Terminal) {
        for diagnostic in diagnostics.items {
            terminal.err(render(diagnostic, color: terminal.colorErr))
        }
    }
}
