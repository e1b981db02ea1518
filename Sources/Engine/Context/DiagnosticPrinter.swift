import DotslashManifest

/// Prints manifest diagnostics in the compiler layout, coloured on a terminal.
public enum DiagnosticPrinter {
    public static func render(_ diagnostic: Diagnostic, color: Bool) -> String {
        guard color else { return diagnostic.description + "\n" }
        let style: Output.Style
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
            lines[0] = Output.paint(place, .bold, !place.isEmpty) + Output.paint(label, style, true)
                + " " + Output.paint(message, .bold, true)
        }
        if lines.count == 3 { lines[2] = Output.paint(lines[2], .green, true) }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func print(_ diagnostics: DiagnosticList, to output: Output) {
        for diagnostic in diagnostics.items {
            output.err(render(diagnostic, color: output.colorErr))
        }
    }
}
