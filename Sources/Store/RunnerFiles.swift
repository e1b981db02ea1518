#if canImport(Glibc)
import Glibc
#endif

/// The store's `runners/` directory: executables named `<language>-<id>`,
/// written in `tmp/` and renamed into place only when complete and synced.
public struct RunnerFiles: Sendable {
    public let state: StateDirectory

    public init(state: StateDirectory) {
        self.state = state
    }

    /// True when a complete runner exists under `name`: a regular,
    /// executable file not writable by group or others.
    public func contains(_ name: String) -> Bool {
        var info = stat()
        guard lstat(state.runnerPath(name), &info) == 0 else { return false }
        return FileSystem.isRegular(info) && info.st_mode & 0o111 != 0 && info.st_mode & 0o022 == 0
    }

    /// Runs `write` on a new file in `tmp/`, then makes it read-only and
    /// executable (0555), syncs it and renames it to `runners/<name>`.
    /// Nothing appears under the final name unless `write` succeeded.
    @discardableResult
    public func publish(_ name: String, write: (Int32) throws -> Void) throws -> String {
        let temporary = state.temporaryDirectory + "/runner-\(name)-\(FileSystem.uniqueSuffix())"
        let fd = try FileSystem.open(temporary, O_RDWR | O_CREAT | O_EXCL, mode: 0o600, step: "creating the runner")
        var published = false
        defer {
            close(fd)
            if !published { unlink(temporary) }
        }
        try write(fd)
        if fchmod(fd, 0o555) != 0 { throw StoreError.system("making the runner executable", temporary) }
        try FileSystem.sync(fd, path: temporary, step: "syncing the runner")
        let final = state.runnerPath(name)
        try FileSystem.renameDurably(temporary, to: final, step: "publishing the runner")
        published = true
        return final
    }

    /// The names of all runners in the store.
    public func names() throws -> [String] {
        try FileSystem.entries(of: state.runnersDirectory)
    }
}
