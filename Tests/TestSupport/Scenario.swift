import Foundation

/// A directory with manifests, tarballs and scripts, and a shell script run
/// against it inside a private user and mount namespace with its own
/// binfmt_misc (Tests/Support/userns-run): the machine's table is never
/// touched. `dotslash` in the script is the built binary; the store and the
/// binfmt.d directory live in the scenario's directory.
public final class Scenario: @unchecked Sendable {
    public let dir: TemporaryDirectory
    public var path: String { dir.path }

    public init(_ label: String) throws {
        dir = try TemporaryDirectory(label)
        // The tests may run the scenario as an unprivileged user.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
    }

    /// Copies the cached busybox rootfs tarball in; returns its sha256.
    @discardableResult
    public func busyboxTarball(_ name: String = "busybox.tar.gz") throws -> String {
        let source = try RootfsTarballs.busybox()
        let target = dir.file(name)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: source, to: target)
        return try Scenario.sha256(target.path)
    }

    /// The same tree as `busyboxTarball` in other bytes (gzip level 1): a
    /// different digest for update tests.
    @discardableResult
    public func recompressedBusyboxTarball(_ name: String) throws -> String {
        let source = try RootfsTarballs.busybox()
        let result = try Command.shell("gzip -dc \"$1\" | gzip -1 -n > \"$2\"", [source.path, dir.file(name).path])
        guard result.status == 0 else { throw RootfsError(message: "recompress failed: \(result)") }
        return try Scenario.sha256(dir.file(name).path)
    }

    public static func sha256(_ path: String) throws -> String {
        let result = try Command.run(["sha256sum", path])
        return String(result.stdout.prefix(64))
    }

    /// A language using busybox sh: `interpreter: [/bin/sh]` unless given.
    public static func busyboxLanguage(
        _ name: String, extensions: [String], tarball: String, sha256: String,
        interpreter: String = "[/bin/sh]", extra: String = ""
    ) -> String {
        """
          \(name):
            extensions: [\(extensions.joined(separator: ", "))]
            rootfs: {url: "file://\(tarball)", sha256: \(sha256)}
            interpreter: \(interpreter)
        \(extra.isEmpty ? "" : extra.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n") + "\n")
        """
    }

    @discardableResult
    public func write(_ name: String, _ text: String, executable: Bool = false) throws -> URL {
        let url = try dir.write(name, text, executable: executable)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        return url
    }

    public func manifest(_ languages: String..., file: String = "languages.d/test.yaml") throws {
        try write(file, "languages:\n" + languages.joined())
    }

    /// Runs `script` with `sh -eu` inside a fresh namespace, in the
    /// scenario's directory. `usernsOptions` go to userns-run (e.g.
    /// `["--as", "1000"]`, `["--no-binfmt"]`).
    public func run(_ script: String, usernsOptions: [String] = [], environment: [String: String] = [:]) throws -> Command.Result {
        let prelude = """
        set -u
        cd "$SCENARIO"
        dotslash() { "$DOTSLASH_BIN" "$@"; }

        """
        var env: [String: String?] = [
            "SCENARIO": path, "DOTSLASH_BIN": TestPaths.dotslash.path, "DOTSLASH_RUNNER": TestPaths.runnerStub.path,
            "DOTSLASH_STATE_DIR": path + "/state", "DOTSLASH_BINFMT_D": path + "/binfmt.d",
            "DOTSLASH_CONFIG": path + "/languages.d", "NO_COLOR": "1", "XDG_CACHE_HOME": path + "/cache",
        ]
        for (key, value) in environment { env[key] = value }
        let userns = TestPaths.packageRoot.appendingPathComponent("Tests/Support/userns-run").path
        return try Command.run([userns] + usernsOptions + ["--", "/bin/sh", "-c", prelude + script], environment: env)
    }

    /// Runs `script` as TestUser.shared inside a namespace without a
    /// binfmt_misc of its own, with a `$HOME` the user owns and no store
    /// settings: as a user without root and without DOTSLASH_STATE_DIR would.
    public func runAsUser(_ script: String, environment: [String: String] = [:]) throws -> Command.Result {
        let user = TestUser.shared
        var env = try userEnvironment()
        env.merge(environment) { $1 }
        return try run(script, usernsOptions: ["--no-binfmt", "--as", "\(user.uid):\(user.gid)"], environment: env)
    }

    /// `$HOME` (the scenario's `home/`, owned by TestUser.shared) and no
    /// store settings, so dotslash uses the user's own store.
    public func userEnvironment() throws -> [String: String] {
        let user = TestUser.shared
        let home = path + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        _ = try Command.run(["chown", "-R", "\(user.uid):\(user.gid)", home])
        return ["HOME": home, "DOTSLASH_STATE_DIR": "", "XDG_DATA_HOME": "", "XDG_CACHE_HOME": ""]
    }
}
