#if canImport(Glibc)
import Glibc
#endif

/// The kernel's binfmt_misc table, as files in a directory (design section 3).
/// Reading costs one directory listing and one read per entry. Every write
/// is one write(2) of one command; only owned entries are ever written.
public struct BinfmtTable: Sendable {
    public static let defaultDirectory = "/proc/sys/fs/binfmt_misc"

    public let directory: String

    public init(directory: String = BinfmtTable.defaultDirectory) {
        self.directory = directory
    }

    public var registerPath: String { path(of: "register") }
    public var statusPath: String { path(of: "status") }

    /// The file that shows and controls entry `name`.
    public func path(of name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Whether binfmt_misc is mounted at `directory`. Looking up `register`
    /// also triggers systemd's automount of the default directory.
    public var isMounted: Bool { SystemFiles.exists(registerPath) }

    /// Mounts binfmt_misc at `directory` when `register` is missing; returns
    /// whether it mounted. Never unmounts anything: unmounting the last mount
    /// would destroy every entry, other tools' included (Linux >= 6.7).
    @discardableResult
    public func mountIfNeeded() throws -> Bool {
        if isMounted { return false }
        let flags = UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_NOEXEC)
        if mount("binfmt_misc", directory, "binfmt_misc", flags, nil) != 0 {
            throw BinfmtError.system(stage: .mounting, path: directory, errno: errno)
        }
        guard isMounted else {
            throw BinfmtError.system(stage: .mounting, path: registerPath, errno: ENOENT)
        }
        return true
    }

    /// Whether binfmt_misc as a whole is enabled (its `status` file).
    public func isEnabled() throws -> Bool {
        switch SystemFiles.readSmall(statusPath) {
        case .failure(let error):
            throw BinfmtError.system(stage: .readingStatus, path: statusPath, errno: error.code)
        case .success(let bytes):
            switch String(decoding: bytes, as: UTF8.self) {
            case "enabled\n": return true
            case "disabled\n": return false
            case let other:
                throw BinfmtError.malformedEntryFile(path: statusPath, line: 1,
                                                     reason: "expected enabled or disabled, got \(quoted(other))")
            }
        }
    }

    /// Every entry, ours and foreign, sorted by name. An entry removed
    /// between the listing and its read is left out.
    public func entries() throws -> [BinfmtEntry] {
        let names: [String]
        switch SystemFiles.list(directory) {
        case .success(let list): names = list
        case .failure(let error): throw BinfmtError.system(stage: .listing, path: directory, errno: error.code)
        }
        var entries = [BinfmtEntry]()
        for name in names.sorted(by: byteOrder) where name != "register" && name != "status" {
            if let entry = try entry(named: name) { entries.append(entry) }
        }
        return entries
    }

    /// The entry called `name`, or nil when there is none.
    public func entry(named name: String) throws -> BinfmtEntry? {
        let file = path(of: name)
        switch SystemFiles.readSmall(file) {
        case .failure(let error) where error.code == ENOENT:
            return nil
        case .failure(let error):
            throw BinfmtError.system(stage: .reading(entry: name), path: file, errno: error.code)
        case .success(let bytes):
            return try EntryFile.parse(String(decoding: bytes, as: UTF8.self), name: name, path: file)
        }
    }

    /// Whether an entry called `name` exists.
    public func contains(_ name: String) -> Bool {
        RegisterString.nameProblem(name) == nil && SystemFiles.exists(path(of: name))
    }

    /// Registers an owned entry (with `F`). Registration always leaves it
    /// enabled; `entry.enabled` is not looked at here.
    public func register(_ entry: BinfmtEntry) throws {
        try requireOwned(entry.name)
        let text = try RegisterString.render(entry)
        if let failure = SystemFiles.writeOnce(registerPath, Array(text.utf8)) {
            let stage: BinfmtStage = failure.opening
                ? .openingRegister
                : .registering(entry: entry.name, interpreter: entry.interpreter)
            throw BinfmtError.system(stage: stage, path: registerPath, errno: failure.errno.code)
        }
    }

    /// Removes an owned entry (writes `-1` to its file).
    public func remove(_ name: String) throws {
        try command("-1", to: name, stage: .removing(entry: name))
    }

    /// Enables an owned entry (writes `1`).
    public func enable(_ name: String) throws {
        try command("1", to: name, stage: .enabling(entry: name))
    }

    /// Disables an owned entry (writes `0`); it stays registered but matches nothing.
    public func disable(_ name: String) throws {
        try command("0", to: name, stage: .disabling(entry: name))
    }

    private func command(_ text: String, to name: String, stage: BinfmtStage) throws {
        try requireOwned(name)
        if let problem = RegisterString.nameProblem(name) {
            throw BinfmtError.invalidEntry(name: name, reason: problem)
        }
        let file = path(of: name)
        if let failure = SystemFiles.writeOnce(file, Array(text.utf8)) {
            throw BinfmtError.system(stage: stage, path: file, errno: failure.errno.code)
        }
    }

    private func requireOwned(_ name: String) throws {
        guard BinfmtNaming.isOwned(name) else { throw BinfmtError.notOwned(name: name) }
    }
}
