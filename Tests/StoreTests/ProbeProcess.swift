import Foundation
import TestSupport

/// `store-probe` running in the background, its output going to files, so a
/// test can kill it at any moment or let it finish.
final class ProbeProcess {
    let process = Process()
    let output: URL
    let errors: URL

    init(_ arguments: [String], in directory: TemporaryDirectory, label: String,
         environment: [String: String] = [:], prefix: [String] = []) throws {
        output = directory.file("\(label).out")
        errors = directory.file("\(label).err")
        try Data().write(to: output)
        try Data().write(to: errors)
        let argv = prefix + [Fixtures.probe] + arguments
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env["DOTSLASH_RETRY_DELAY"] = "0.05"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func killHard() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for the end; the exit status (or 128 + signal).
    @discardableResult
    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Runs to completion and returns (status, stdout, stderr).
    static func run(_ arguments: [String], in directory: TemporaryDirectory, label: String,
                    prefix: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let probe = try ProbeProcess(arguments, in: directory, label: label, prefix: prefix)
        let status = probe.wait()
        return (status, probe.stdout, probe.stderr)
    }
}
