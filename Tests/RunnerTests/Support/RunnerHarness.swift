import DotslashDigest
import Foundation
import RunnerFormat
import Testing
import TestSupport

/// Who runs the runner: root itself, or an unprivileged account through
/// `userns-run --as`.
enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case root
    case user

    var testDescription: String { rawValue }
    var uid: UInt32 { self == .root ? 0 : TestUser.shared.uid }
    var gid: UInt32 { self == .root ? 0 : TestUser.shared.gid }
    /// The name the caller has in this machine's /etc/passwd.
    var name: String { self == .root ? "root" : TestUser.shared.name }
}

/// A runner file built by the tests with RunnerWriter.
struct BuiltRunner: Sendable {
    let path: String
    let trailer: RunnerTrailer
}

/// Real rootfs tarballs, runners built from them, and per-caller homes, made
/// once per test process under one directory in /tmp (removed at exit).
final class RunnerHarness: Sendable {
    static func shared() throws -> RunnerHarness { try instance.get() }
    private static let instance = Result { try RunnerHarness() }

    let base: String
    let store: String
    let busyboxTarball: URL
    let pythonTarball: URL
    let busybox: BuiltRunner
    let busyboxContainerShebang: BuiltRunner
    let busyboxOffline: BuiltRunner
    let python: BuiltRunner

    private init() throws {
        var template = Array("/tmp/dotslash-runner-tests-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw RootfsError(message: "mkdtemp: \(errno)") }
        base = String(cString: made)
        RunnerHarness.removeAtExit(base)
        chmod(base, 0o755)
        store = base + "/store"
        for directory in [store, base + "/runners", base + "/work"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        chmod(base + "/work", 0o1777)
        busyboxTarball = try RootfsTarballs.busybox()
        pythonTarball = try RootfsTarballs.python()
        let busyboxKey = try RunnerHarness.digest(busyboxTarball)
        let pythonKey = try RunnerHarness.digest(pythonTarball)
        let shell = RunnerSettings(language: "busybox", rootfsKey: busyboxKey, interpreter: ["/bin/sh"],
                                   stateDirectory: store)
        busybox = try RunnerHarness.build("busybox", payload: busyboxTarball, settings: shell, in: base + "/runners")
        var containerShell = shell
        containerShell.shebang = .container
        busyboxContainerShebang = try RunnerHarness.build("busybox-container", payload: busyboxTarball,
                                                          settings: containerShell, in: base + "/runners")
        var offline = shell
        offline.network = .none
        busyboxOffline = try RunnerHarness.build("busybox-offline", payload: busyboxTarball, settings: offline,
                                                 in: base + "/runners")
        var python = RunnerSettings(language: "python", rootfsKey: pythonKey, interpreter: ["/usr/bin/python3"],
                                    stateDirectory: store)
        python.environment = ["PYTHONDONTWRITEBYTECODE=1"]
        self.python = try RunnerHarness.build("python", payload: pythonTarball, settings: python, in: base + "/runners")
    }

    static func digest(_ url: URL) throws -> String {
        var hasher = SHA256()
        hasher.update([UInt8](try Data(contentsOf: url)))
        return hasher.finalize().hex
    }

    /// Writes a runner with RunnerWriter (mode 0755) and returns it.
    static func build(_ name: String, payload: URL, settings: RunnerSettings, in directory: String) throws -> BuiltRunner {
        let path = directory + "/" + name
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw RootfsError(message: "create \(path): errno \(errno)") }
        defer { close(fd) }
        let trailer = try RunnerWriter.write(stubPath: TestPaths.runnerStub.path, payloadPath: payload.path,
                                             settings: settings, to: fd)
        fchmod(fd, 0o755)
        return BuiltRunner(path: path, trailer: trailer)
    }

    /// A fresh directory (with `relative` below it) owned by the caller.
    func directory(for caller: Caller, _ relative: String = "") throws -> String {
        let top = base + "/scratch-" + UUID().uuidString.prefix(8)
        let path = relative.isEmpty ? top : top + "/" + relative
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try own(top, by: caller)
        return path
    }

    /// The caller's shared home, whose cache keeps the extracted trees
    /// between tests (a first run extracts, the others start warm).
    func home(for caller: Caller) throws -> String {
        let path = base + "/home-" + caller.rawValue
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            try own(path, by: caller)
        }
        return path
    }

    func own(_ path: String, by caller: Caller) throws {
        guard caller == .user else { return }
        let result = try Command.run(["chown", "-R", "\(caller.uid):\(caller.gid)", path])
        guard result.status == 0 else { throw RootfsError(message: "chown \(path): \(result)") }
    }

    /// Writes `text` to `path` (mode 0644 unless executable), owned by the caller.
    @discardableResult
    func write(_ path: String, _ text: String, executable: Bool = false, by caller: Caller) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, executable ? 0o755 : 0o644)
        try own(path, by: caller)
        return path
    }

    /// Runs `argv` as `caller` in `directory` with a clean environment:
    /// PATH, HOME (the caller's home unless given), USER and `environment`.
    func run(_ caller: Caller, _ argv: [String], in directory: String, home: String? = nil, stdin: String? = nil,
             environment: [String: String] = [:]) throws -> Command.Result {
        var env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": try home ?? self.home(for: caller), "USER": caller.name]
        env.merge(environment) { $1 }
        let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let prefix = caller == .user ? TestUser.shared.usernsRunPrefix : []
        return try Command.run(prefix + ["/usr/bin/env", "-i"] + assignments + argv, stdin: stdin, directory: directory)
    }

    private static func removeAtExit(_ path: String) {
        harnessDirectories.append(path)
        if harnessDirectories.count == 1 {
            atexit {
                for path in harnessDirectories { _ = try? Command.run(["rm", "-rf", path]) }
            }
        }
    }
}

nonisolated(unsafe) private var harnessDirectories: [String] = []

/// A runner started without waiting, for concurrent first runs.
final class BackgroundRun: @unchecked Sendable {
    private let process: Process
    private let out = Pipe(), err = Pipe()
    private var outData = Data(), errData = Data()
    private let group = DispatchGroup()

    init(_ argv: [String], directory: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isError) in [(out, false), (err, true)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if isError { self.errData = data } else { self.outData = data }
                self.group.leave()
            }
        }
    }

    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    func wait() -> Result {
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension RunnerHarness {
    /// Like `run`, without waiting for the end.
    func runInBackground(_ caller: Caller, _ argv: [String], in directory: String, home: String,
                         environment: [String: String] = [:]) throws -> BackgroundRun {
        var env = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=\(home)", "USER=\(caller.name)"]
        env += environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let prefix = caller == .user ? TestUser.shared.usernsRunPrefix : []
        return try BackgroundRun(prefix + ["/usr/bin/env", "-i"] + env + argv, directory: directory)
    }
}

extension RunnerHarness {
    /// Writes `body` as `script.sh` in a fresh directory of the caller's and
    /// runs it there through `runner` (busybox by default).
    func runScript(_ caller: Caller, _ body: String, runner: BuiltRunner? = nil, arguments: [String] = [],
                   stdin: String? = nil, environment: [String: String] = [:]) throws -> (directory: String, result: Command.Result) {
        let dir = try directory(for: caller)
        try write(dir + "/script.sh", body, by: caller)
        let result = try run(caller, [(runner ?? busybox).path, "script.sh"] + arguments, in: dir, stdin: stdin,
                             environment: environment)
        return (dir, result)
    }
}
