#if canImport(Glibc)
import Glibc
#endif
import CSystem
import RunnerFormat

/// Design 4.2: extract the runner's own payload into the user's cache,
/// once. A lock serialises concurrent first runs; the tree is built under
/// a temporary name, verified against the trailer's digest, flushed and
/// renamed, so the final name only ever holds a complete tree.
enum PayloadExtractor {
    static func extract(runner fd: Int32, trailer: RunnerTrailer, into rootfsDirectory: String,
                        trace: inout Trace) throws(RunnerFailure) -> String {
        let key = trailer.settings.rootfsKey
        let final = rootfsDirectory + "/" + key
        let cacheHint = "set XDG_CACHE_HOME to a writable directory on a filesystem that allows exec"
        do throws(RunnerFailure) {
            try FileSystem.makeDirectories(rootfsDirectory, mode: 0o755, step: "create the rootfs cache")
        } catch {
            throw RunnerFailure(step: error.step, cause: error.cause, hint: cacheHint)
        }

        let lock = ds_openat(AT_FDCWD, rootfsDirectory + "/." + key + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw .system("lock \(rootfsDirectory)/.\(key).lock", hint: cacheHint) }
        defer { close(lock) }  // releases the lock
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .system("lock \(rootfsDirectory)/.\(key).lock") }
        }
        trace.phase("wait-for-lock")
        if let info = FileSystem.status(final), FileSystem.isDirectory(info) { return final }

        let directory = open(rootfsDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw .system("open \(rootfsDirectory)") }
        defer { close(directory) }
        removeStale(prefix: ".tmp-\(key)-", in: directory)

        let temporary = ".tmp-\(key)-\(getpid())"
        let savedMask = umask(0)
        defer { umask(savedMask) }
        guard mkdirat(directory, temporary, 0o700) == 0 else {
            throw .system("extract payload: create \(rootfsDirectory)/\(temporary)", hint: cacheHint)
        }
        do throws(RunnerFailure) {
            try fill(temporary, in: directory, runner: fd, trailer: trailer)
            trace.phase("extract")
            guard renameat(directory, temporary, directory, key) == 0 else {
                throw .system("extract payload: rename into \(final)")
            }
        } catch {
            FileSystem.removeTree(directory, temporary)
            throw error
        }
        return final
    }

    private static func fill(_ temporary: String, in directory: Int32, runner fd: Int32,
                             trailer: RunnerTrailer) throws(RunnerFailure) {
        let root = FileSystem.openDirectory(directory, temporary)
        guard root >= 0 else { throw .system("extract payload: open \(temporary)") }
        defer { close(root) }
        let reader = PayloadReader(fd: fd, offset: trailer.payloadOffset, length: trailer.payloadLength)
        let archive = try PayloadArchive(reader: reader)
        let writer = TreeWriter(rootFd: root, preserveOwners: geteuid() == 0)
        while let entry = try archive.nextEntry() {
            try writer.write(entry, from: archive.archive)
        }
        let digest = try reader.finish()
        guard digest == trailer.payloadDigest else {
            throw RunnerFailure(
                step: "verify payload",
                cause: "payload sha256 is \(digest.hex), the trailer expects \(trailer.payloadDigest.hex)",
                hint: PayloadReader.corruptHint)
        }
        try writer.finish()
        guard ds_syncfs(root) == 0 else { throw .system("extract payload: flush to disk") }
    }

    /// Removes what an interrupted extraction left (we hold the lock, so
    /// no one else is writing there).
    private static func removeStale(prefix: String, in directory: Int32) {
        let scan = dup(directory)
        guard scan >= 0, let stream = fdopendir(scan) else { return }
        defer { closedir(stream) }
        var stale: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix) { stale.append(name) }
        }
        for name in stale { FileSystem.removeTree(directory, name) }
    }
}
