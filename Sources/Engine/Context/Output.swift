import DotslashStore

/// Where commands print: results on stdout, progress and problems on stderr.
/// Colour and progress bars only on a terminal and never with NO_COLOR.
public struct Output: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    public var colorOut: Bool
    public var colorErr: Bool
    /// stderr is a terminal: long work shows a progress bar.
    public var interactive: Bool

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
                colorOut: Bool, colorErr: Bool, interactive: Bool) {
        self.out = out
        self.err = err
        self.colorOut = colorOut
        self.colorErr = colorErr
        self.interactive = interactive
    }

    /// A progress reporter for downloads and extraction: a bar on a
    /// terminal, one line per step otherwise.
    public func progress() -> ProgressReporter {
        interactive ? TerminalProgressBar(colour: colorErr, output: err) : LineProgress(output: err)
    }

    public enum Style: String, Sendable {
        case bold = "1", red = "1;31", green = "1;32", yellow = "1;33", magenta = "1;35", cyan = "1;36", dim = "2"
    }

    public static func paint(_ text: String, _ style: Style, _ enabled: Bool) -> String {
        enabled ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
