#if canImport(Glibc)
import Glibc
#endif

/// How long work (downloads, extraction) tells the user where it is. The
/// store and the downloader print nothing themselves: everything a user sees
/// from them goes through one of these.
public protocol ProgressReporter: AnyObject {
    /// A step begins, e.g. "download python.tar.gz"; `total` bytes when known.
    func start(_ title: String, total: Int64?)
    /// `done` bytes of the current step are finished; `total` may become known late.
    func update(done: Int64, total: Int64?)
    /// The current step ended; `summary` says how ("12.0 MiB in 1.2s").
    func finish(_ summary: String)
    /// A message on its own line: a retry, waiting for the lock, a warning.
    func note(_ message: String)
}

/// Chooses the reporter design section 5 asks for: a progress bar on a
/// terminal, one line per step otherwise; colour only on a terminal and
/// never with NO_COLOR.
public enum Progress {
    public static func standard(
        environment: [String: String], isTerminal: Bool = isatty(2) != 0,
        output: @escaping (String) -> Void = Progress.writeToStandardError
    ) -> ProgressReporter {
        if isTerminal {
            let colour = environment["NO_COLOR"].map { $0.isEmpty } ?? true
            return TerminalProgressBar(colour: colour && environment["TERM"] != "dumb", output: output)
        }
        return LineProgress(output: output)
    }

    public static func writeToStandardError(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = write(2, base + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if errno != EINTR {
                    return
                }
            }
        }
    }
}

/// Reports nothing: for callers that print their own summary, and for tests.
public final class SilentProgress: ProgressReporter {
    public init() {}
    public func start(_ title: String, total: Int64?) {}
    public func update(done: Int64, total: Int64?) {}
    public func finish(_ summary: String) {}
    public func note(_ message: String) {}
}

/// Without a terminal (CI logs, pipes): one line when a step starts, one
/// when it ends, one per note; no control characters.
public final class LineProgress: ProgressReporter {
    private let output: (String) -> Void
    private var title = ""

    public init(output: @escaping (String) -> Void = Progress.writeToStandardError) {
        self.output = output
    }

    public func start(_ title: String, total: Int64?) {
        self.title = title
        output("\(title)\(total.map { " (\(ByteFormat.size($0)))" } ?? "")...\n")
    }

    public func update(done: Int64, total: Int64?) {}

    public func finish(_ summary: String) { output("\(title): \(summary)\n") }

    public func note(_ message: String) { output("\(message)\n") }
}
