import Foundation

/// Runs a program to completion and captures what it printed.
public struct Command {
    public struct Result: Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process was killed by a signal; `status` is then the signal.
        public var signalled: Bool

        public var description: String {
            "status \(status)\(signalled ? " (signal)" : "")\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
        }
    }

    /// Runs `argv` (argv[0] looked up on PATH when it has no slash).
    /// `environment` entries are added to (nil values removed from) the
    /// current environment unless `inherit` is false.
    @discardableResult
    public static func run(
        _ argv: [String], stdin: String? = nil, environment: [String: String?] = [:],
        inherit: Bool = true, directory: String? = nil
    ) throws -> Result {
        let process = Process()
        if argv[0].contains("/") {
            process.executableURL = URL(fileURLWithPath: argv[0])
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        var env = inherit ? ProcessInfo.processInfo.environment : [:]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }

        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inPipe.fileHandleForWriting.close()

        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal)
    }

    /// Runs a shell script with `sh -c`, extra positional arguments after it.
    @discardableResult
    public static func shell(
        _ script: String, _ args: [String] = [], stdin: String? = nil,
        environment: [String: String?] = [:], directory: String? = nil
    ) throws -> Result {
        try run(["/bin/sh", "-c", script, "sh"] + args, stdin: stdin, environment: environment,
                directory: directory)
    }
}
