// binfmt-probe: runs DotslashBinfmt operations from the command line, so
// tests can drive the library inside a private user namespace
// (Tests/Support/userns-run), which a multi-threaded test process can't enter.
// Every command prints one JSON value on stdout; failures print
// {"error": ..., "hint": ...} and exit 1.
import DotslashBinfmt
import Foundation

let usage = """
    usage: binfmt-probe COMMAND ARGS...
      read DIR                     entries as JSON
      plan DIR DESIRED.json        the plan against DIR's table
      apply DIR DESIRED.json       plan and apply; {"plan", "report"}
      register DIR ENTRY.json      register one entry
      remove|enable|disable DIR NAME
      render ENTRY.json            the register string, raw
      persist BINFMT_D DIR         write dotslash.conf from DIR's owned entries
      mount DIR                    mount binfmt_misc when needed; {"mounted": Bool}
      exec-loop STOPFILE PROGRAM   execute PROGRAM until STOPFILE exists; counts outcomes
    """

func emit(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { fail("can't encode output") }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func fail(_ message: String, hint: String? = nil) -> Never {
    emit(["error": message, "hint": hint])
    exit(1)
}

func load<T: Decodable>(_ type: T.Type, _ path: String) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        fail("\(path): \(error)")
    }
}

struct ApplyResult: Encodable {
    var plan: Plan
    var report: ApplyReport
}

/// Executes `program` with posix_spawn (which, unlike execvp, never falls back
/// to running the file as a shell script) until `stopFile` exists.
func execLoop(stopFile: String, program: String) -> [String: Int] {
    var counts = ["runs": 0, "failures": 0]
    while !FileManager.default.fileExists(atPath: stopFile) {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(program), nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, program, nil, nil, argv, environ)
        counts["runs", default: 0] += 1
        guard spawned == 0 else {
            counts["failures", default: 0] += 1
            counts["spawn errno \(spawned)", default: 0] += 1
            continue
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let code = exited ? Int((status >> 8) & 0xff) : -Int(status & 0x7f)
        counts["exit \(code)", default: 0] += 1
        if code != 10 && code != 20 { counts["failures", default: 0] += 1 }
    }
    return counts
}

var args = CommandLine.arguments.dropFirst()
guard let command = args.popFirst() else { fail(usage) }
let rest = Array(args)

do {
    switch (command, rest.count) {
    case ("read", 1):
        emit(try BinfmtTable(directory: rest[0]).entries())
    case ("plan", 2):
        let table = BinfmtTable(directory: rest[0])
        emit(try Plan.make(desired: load([BinfmtEntry].self, rest[1]), current: table.entries()))
    case ("apply", 2):
        let table = BinfmtTable(directory: rest[0])
        let plan = try Plan.make(desired: load([BinfmtEntry].self, rest[1]), current: table.entries())
        let report = try Reconciler.apply(plan, to: table)
        emit(ApplyResult(plan: plan, report: report))
        exit(report.succeeded ? 0 : 1)
    case ("register", 2):
        try BinfmtTable(directory: rest[0]).register(load(BinfmtEntry.self, rest[1]))
        emit(["ok": true])
    case ("remove", 2):
        try BinfmtTable(directory: rest[0]).remove(rest[1])
        emit(["ok": true])
    case ("enable", 2):
        try BinfmtTable(directory: rest[0]).enable(rest[1])
        emit(["ok": true])
    case ("disable", 2):
        try BinfmtTable(directory: rest[0]).disable(rest[1])
        emit(["ok": true])
    case ("render", 1):
        print(try RegisterString.render(load(BinfmtEntry.self, rest[0])), terminator: "")
    case ("persist", 2):
        let entries = try BinfmtTable(directory: rest[1]).entries()
        emit(["path": try BinfmtPersistence.write(entries, to: rest[0]).path])
    case ("mount", 1):
        emit(["mounted": try BinfmtTable(directory: rest[0]).mountIfNeeded()])
    case ("exec-loop", 2):
        emit(execLoop(stopFile: rest[0], program: rest[1]))
    default:
        fail(usage)
    }
} catch let error as BinfmtError {
    fail(error.message, hint: error.hint)
} catch {
    fail("\(error)")
}
