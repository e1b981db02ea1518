import CSystem

/// `DOTSLASH_TRACE=1`: one stderr line per phase with its duration.
struct Trace {
    let enabled: Bool
    var language: String
    private var last: UInt64
    private let start: UInt64

    init(enabled: Bool, language: String) {
        self.enabled = enabled
        self.language = language
        start = enabled ? ds_monotonic_ns() : 0
        last = start
    }

    mutating func phase(_ name: String) {
        guard enabled else { return }
        let now = ds_monotonic_ns()
        Diagnostics.write("dotslash-runner: \(language): trace: \(name) \(Trace.milliseconds(now - last)) ms\n")
        // The next phase starts after this line is out, not before.
        last = ds_monotonic_ns()
    }

    func total() {
        guard enabled else { return }
        Diagnostics.write("dotslash-runner: \(language): trace: total \(Trace.milliseconds(ds_monotonic_ns() - start)) ms\n")
    }

    /// Milliseconds with three decimals, without Foundation's formatting.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let micros = nanoseconds / 1000
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
