/// On a terminal: one line redrawn in place on stderr, with a bar, bytes
/// done and total, rate and ETA; redrawn at most ten times a second.
public final class TerminalProgressBar: ProgressReporter {
    private let colour: Bool
    private let output: (String) -> Void
    private let clock = ContinuousClock()
    private var title = ""
    private var total: Int64?
    private var started = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    public init(colour: Bool, output: @escaping (String) -> Void = Progress.writeToStandardError) {
        self.colour = colour
        self.output = output
    }

    public func start(_ title: String, total: Int64?) {
        self.title = title
        self.total = total
        started = clock.now
        lastDraw = nil
        draw(done: 0)
    }

    public func update(done: Int64, total: Int64?) {
        if let total { self.total = total }
        let now = clock.now
        if let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        draw(done: done)
    }

    public func finish(_ summary: String) {
        let mark = colour ? "\u{1B}[32m✓\u{1B}[0m" : "✓"
        output("\r\u{1B}[2K\(mark) \(title): \(summary)\n")
        drawn = false
    }

    public func note(_ message: String) {
        let text = colour ? "\u{1B}[33m\(message)\u{1B}[0m" : message
        output("\(drawn ? "\r\u{1B}[2K" : "")\(text)\n")
        drawn = false
    }

    private func draw(done: Int64) {
        let elapsed = ByteFormat.seconds(clock.now - started)
        let rate = elapsed > 0.2 ? Double(done) / elapsed : 0
        var line = title + " "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            line += (colour ? "\u{1B}[36m[\(bar)]\u{1B}[0m" : "[\(bar)]")
            line += " \(ByteFormat.size(done)) / \(ByteFormat.size(total))"
            if rate > 0 { line += "  \(ByteFormat.size(Int64(rate)))/s  ETA \(ByteFormat.duration(Double(total - done) / rate))" }
        } else {
            line += ByteFormat.size(done)
            if rate > 0 { line += "  \(ByteFormat.size(Int64(rate)))/s" }
        }
        output("\r\u{1B}[2K" + line)
        drawn = true
    }
}
