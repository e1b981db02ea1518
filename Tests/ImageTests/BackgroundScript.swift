import Foundation
import TestSupport

/// A helper script from Tests/Support that prints "PORT <n>" once it
/// serves, and stops when its stdin closes. Stopped by `stop()` or when
/// released; a crashed test closes the pipe, so nothing outlives the run.
final class BackgroundScript: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let input = Pipe()
    let name: String

    init(_ script: String, _ arguments: [String]) throws {
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
            process.terminate()
            throw FixtureError("\(script) did not start: \(text)")
        }
        self.port = port
    }

    func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
