import Foundation

/// A helper script from Tests/Support that prints "PORT <n>" once it serves.
/// `stop()` (also called when released) closes its stdin, which the helpers
/// take as the signal to shut down what they started, and waits; a helper
/// still running after five seconds is killed. A crashed test closes the
/// pipe too, so nothing outlives the run.
public final class BackgroundScript: @unchecked Sendable {
    public let port: Int
    public let name: String
    private let process = Process()
    private let input = Pipe()

    public init(_ script: String, _ arguments: [String]) throws {
        name = script
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.packageRoot.appendingPathComponent("Tests/Support/" + script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ScriptError(description: "\(script) did not start: \(text)")
        }
        self.port = port
    }

    public func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        // SIGKILL: a test runner may hand its children a blocked SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    public struct ScriptError: Error, CustomStringConvertible {
        public var description: String
    }
}
