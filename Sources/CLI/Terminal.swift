#if canImport(Glibc)
import Glibc
#endif

/// Standard output and error, and whether they may be coloured: only on a
/// terminal, never with `NO_COLOR` set (https://no-color.org) or TERM=dumb.
struct Terminal: Sendable {
    let colorOut: Bool
    let colorErr: Bool
    /// stderr is a terminal (progress bars), whatever NO_COLOR says.
    let stderrIsTerminal: Bool

    init(environment: [String: String]) {
        let allowed = environment["NO_COLOR"].map { $0.isEmpty } ?? true && environment["TERM"] != "dumb"
        stderrIsTerminal = isatty(2) == 1 && environment["TERM"] != "dumb"
        colorOut = allowed && isatty(1) == 1
        colorErr = allowed && stderrIsTerminal
    }

    func out(_ text: String) { Self.write(1, text) }
    func err(_ text: String) { Self.write(2, text) }

    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
