import DotslashDigest
#if canImport(Glibc)
import Glibc
#endif

/// The state dir of design section 2:
///
///     blobs/sha256/<hex>          verified downloads, read-only
///     rootfs/<hex>/               extracted trees, read-only
///     runners/<language>-<id>     runner executables
///     tmp/                        work in progress; never read as a result
///     lock                        flock(2) held by apply, fetch, gc
///
/// A value: building one does no I/O. `prepare()` creates what is missing
/// and checks that the store is safe to use.
public struct StateDirectory: Sendable, Equatable {
    public let root: String

    /// A relative `path` is taken from the current directory, now: the
    /// store's paths stay valid whatever directory later code runs in.
    public init(path: String) {
        var trimmed = path.hasPrefix("/") ? path : FileSystem.currentDirectory() + "/" + path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        root = trimmed
    }

    public var blobsDirectory: String { root + "/blobs/sha256" }
    public var rootfsDirectory: String { root + "/rootfs" }
    public var runnersDirectory: String { root + "/runners" }
    public var temporaryDirectory: String { root + "/tmp" }
    public var lockPath: String { root + "/lock" }

    public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.hex }
    public func rootfsPath(_ digest: Digest) -> String { rootfsDirectory + "/" + digest.hex }
    public func runnerPath(_ name: String) -> String { runnersDirectory + "/" + name }

    /// Where the store lives: `DOTSLASH_STATE_DIR` when set; `/var/lib/dotslash`
    /// for root; else `$XDG_DATA_HOME/dotslash` (an absolute XDG_DATA_HOME
    /// only, as the XDG spec says), else `$HOME/.local/share/dotslash`.
    public static func defaultPath(environment: [String: String], uid: uid_t) throws -> String {
        if let explicit = environment["DOTSLASH_STATE_DIR"], !explicit.isEmpty { return explicit }
        if uid == 0 { return "/var/lib/dotslash" }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/dotslash" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/share/dotslash" }
        throw StoreError(
            .noLocation, step: "finding the state directory", path: "$HOME",
            detail: "neither XDG_DATA_HOME nor HOME is set to an absolute path",
            hint: "set HOME, or choose a store with --state-dir or DOTSLASH_STATE_DIR")
    }

    /// The subdirectories `prepare()` creates, with their modes: readable by
    /// everyone (the runner reads rootfs trees as the caller), writable only
    /// by the owner; tmp/ private.
    private var layout: [(path: String, mode: mode_t)] {
        [
            (root, 0o755),
            (root + "/blobs", 0o755),
            (blobsDirectory, 0o755),
            (rootfsDirectory, 0o755),
            (runnersDirectory, 0o755),
            (temporaryDirectory, 0o700),
        ]
    }

    /// Creates whatever is missing (parents of the root included) and checks
    /// that every store directory is a real directory owned by the current
    /// user (or root) and not writable by group or others.
    public func prepare() throws {
        try makeParents(of: root)
        let owner = geteuid()
        for (path, mode) in layout {
            try FileSystem.makeDirectory(path, mode: mode)
            try checkSafe(path, owner: owner, followSymlink: path == root)
        }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let hint = errno == EACCES ? "this store belongs to another user; run as its owner or use a store of your own (--state-dir)" : nil
            throw StoreError.system("creating the store lock", lockPath, hint: hint)
        }
        close(fd)
    }

    /// Refuses a store directory that someone else could change under us.
    private func checkSafe(_ path: String, owner: uid_t, followSymlink: Bool) throws {
        var info = stat()
        let rc = followSymlink ? stat(path, &info) : lstat(path, &info)
        if rc != 0 { throw StoreError.system("checking store directory", path) }
        guard FileSystem.isDirectory(info) else {
            throw StoreError(
                .unsafePermissions, step: "checking store directory", path: path,
                detail: "not a directory", hint: "move it away; dotslash recreates it")
        }
        if info.st_uid != owner && info.st_uid != 0 {
            throw StoreError(
                .unsafePermissions, step: "checking store directory", path: path,
                detail: "owned by uid \(info.st_uid), not by uid \(owner) or root",
                hint: "use a store of your own with --state-dir, or chown it")
        }
        if info.st_mode & 0o022 != 0 {
            throw StoreError(
                .unsafePermissions, step: "checking store directory", path: path,
                detail: "writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8)))",
                hint: "run: chmod go-w \(path)")
        }
    }

    private func makeParents(of path: String) throws {
        var prefix = ""
        let parts = FileSystem.parent(of: path).split(separator: "/")
        for part in parts {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StoreError.system("creating directory", prefix)
            }
        }
    }

    /// Removes what earlier, interrupted runs left in tmp/, except the
    /// partial downloads that `keep` selects (kept so they can resume).
    /// Call with the store lock held.
    public func removeStaleTemporaries(keep: (String) -> Bool = { _ in false }) throws {
        for name in try FileSystem.entries(of: temporaryDirectory) where !keep(name) {
            try TreeRemover.remove(temporaryDirectory + "/" + name)
        }
    }
}
