#if canImport(Glibc)
import Glibc
#endif

/// A runner failure: which step, what went wrong, a hint at the fix, and
/// the exit status (docs/runner.md, "Exit status").
struct RunnerFailure: Error {
    /// Something the run needs is missing (no payload, no interpreter).
    static let notFound: Int32 = 127
    /// Everything else the runner could not do.
    static let cannotRun: Int32 = 126

    var step: String
    var cause: String
    var hint: String?
    var status: Int32

    init(step: String, cause: String, hint: String? = nil, status: Int32 = RunnerFailure.cannotRun) {
        self.step = step
        self.cause = cause
        self.hint = hint
        self.status = status
    }

    /// A failed system call: the cause is the errno text.
    static func system(_ step: String, _ code: Int32 = errno, hint: String? = nil,
                       status: Int32 = RunnerFailure.cannotRun) -> RunnerFailure {
        RunnerFailure(step: step, cause: Errno.text(code), hint: hint, status: status)
    }
}

enum Errno {
    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Writes to stderr without buffering; the runner's only output channel.
enum Diagnostics {
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress! + done, $0.count - done) }
            if wrote < 0 && errno == EINTR { continue }
            if wrote <= 0 { return }
            done += wrote
        }
    }

    /// `dotslash-runner: LANG: STEP: CAUSE`, then `hint: ...`, then exit.
    static func fail(language: String, _ failure: RunnerFailure) -> Never {
        var text = "dotslash-runner: \(language.isEmpty ? "" : "\(language): ")\(failure.step): \(failure.cause)\n"
        if let hint = failure.hint { text += "dotslash-runner: hint: \(hint)\n" }
        write(text)
        exit(failure.status)
    }
}
