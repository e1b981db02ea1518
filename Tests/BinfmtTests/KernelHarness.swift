import DotslashBinfmt
import Foundation
import TestSupport
import Testing

/// Runs shell scripts inside a private user and mount namespace with a fresh
/// binfmt_misc mount (Tests/Support/userns-run), where they drive the library
/// through the binfmt-probe executable. Nothing reaches the machine's table.
struct KernelHarness {
    let work: TemporaryDirectory
    static let binfmtDir = "/proc/sys/fs/binfmt_misc"

    init() throws {
        work = try TemporaryDirectory("binfmt-kernel")
        // Interpreters that exit 10 and 20, so a run shows which entry served it.
        try work.write("interp-v1", "#!/bin/sh\nexit 10\n", executable: true)
        try work.write("interp-v2", "#!/bin/sh\nexit 20\n", executable: true)
    }

    var probe: String { TestPaths.binDir.appendingPathComponent("binfmt-probe").path }
    var usernsRun: String { TestPaths.packageRoot.appendingPathComponent("Tests/Support/userns-run").path }
    func path(_ name: String) -> String { work.file(name).path }

    func write(_ name: String, _ text: String, executable: Bool = false) throws {
        try work.write(name, text, executable: executable)
    }

    /// Writes one entry for `binfmt-probe register`.
    func writeEntry(_ name: String, _ entry: BinfmtEntry) throws {
        try JSONEncoder().encode(entry).write(to: work.file(name))
    }

    /// Writes desired entries as the probe reads them.
    func writeEntries(_ name: String, _ entries: [BinfmtEntry]) throws {
        try JSONEncoder().encode(entries).write(to: work.file(name))
    }

    /// Runs `script` with `sh -e` in a fresh namespace. The script sees
    /// `$PROBE`, `$B` (the binfmt_misc directory) and `$W` (the work
    /// directory, also the current one). Lines `== NAME` start sections.
    func run(_ script: String, options: [String] = []) throws -> Sections {
        let probePath = probe
        #expect(FileManager.default.isExecutableFile(atPath: probePath),
                "\(probePath) is missing: build it with `swift build` first")
        let result = try Command.run(
            [usernsRun] + options + ["--", "/bin/sh", "-ec", script],
            environment: ["PROBE": probePath, "B": Self.binfmtDir, "W": work.path], directory: work.path)
        return Sections(result: result)
    }
}

/// The output of a harness script, split at `== NAME` lines.
struct Sections: CustomStringConvertible {
    let result: Command.Result
    private(set) var sections: [String: String] = [:]

    init(result: Command.Result) {
        self.result = result
        var current = ""
        for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("== ") {
                current = String(line.dropFirst(3))
                sections[current] = ""
            } else if !current.isEmpty {
                sections[current, default: ""] += line + "\n"
            }
        }
    }

    var description: String { result.description }

    subscript(name: String) -> String { sections[name] ?? "" }

    func entries(_ name: String) throws -> [BinfmtEntry] {
        try JSONDecoder().decode([BinfmtEntry].self, from: Data(self[name].utf8))
    }

    func entry(_ section: String, named name: String) throws -> BinfmtEntry? {
        try entries(section).first { $0.name == name }
    }

    func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(self[name].utf8))
        return try #require(object as? [String: Any], "section \(name): \(self[name])")
    }

    func plan(_ name: String) throws -> Plan {
        try JSONDecoder().decode(Plan.self, from: Data(self[name].utf8))
    }
}

/// Registers entries the way other tools do (raw register strings).
enum ForeignEntries {
    static let python311 = #":python3.11:M::\xa7\x0d\x0d\x0a::/usr/bin/python3.11:"#
    static let qemuLike = #":qemu-aarch64:M:0:\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/bin/sh:POCF"#
    static let jar = ":jar:E::jar::/usr/bin/jexec:"

    /// Shell lines registering the three, and disabling `jar`.
    static var script: String {
        [python311, qemuLike, jar].map { "printf '%s' '\($0)' > \"$B/register\"" }.joined(separator: "\n")
            + "\necho 0 > \"$B/jar\"\n"
    }
}
