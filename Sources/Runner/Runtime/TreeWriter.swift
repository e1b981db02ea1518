#if canImport(Glibc)
import Glibc
#endif
import CArchive
import CSystem

/// Writes archive entries under one directory and nowhere else: every path
/// component is opened with O_NOFOLLOW relative to its parent, so neither
/// `..`, an absolute path nor a symlink planted by an earlier entry can
/// redirect a write. Device nodes and sockets are skipped, setuid and
/// setgid bits dropped. Directory modes and times are applied at the end,
/// so a read-only directory can still be filled.
final class TreeWriter {
    private struct DirectoryMetadata {
        var components: [[CChar]]
        var mode: mode_t
        var owner: (uid: uid_t, gid: gid_t)?
        var modified: timespec?
    }

    private let rootFd: Int32
    private let preserveOwners: Bool
    private var parentKey: [CChar]? = nil
    private var parentFd: Int32 = -1
    private var directories: [DirectoryMetadata] = []
    private var directoryIndex: [[CChar]: Int] = [:]

    init(rootFd: Int32, preserveOwners: Bool) {
        self.rootFd = rootFd
        self.preserveOwners = preserveOwners
    }

    deinit {
        if parentFd >= 0 { close(parentFd) }
    }

    /// Writes the entry `archive` has just read the header of.
    func write(_ entry: OpaquePointer, from archive: OpaquePointer) throws(RunnerFailure) {
        guard let rawName = archive_entry_pathname(entry) else {
            throw RunnerFailure(step: "extract payload", cause: "an entry has no name", hint: PayloadReader.corruptHint)
        }
        let name = String(cString: rawName)
        let components = try TreeWriter.components(rawName, entry: name)
        let mode = mode_t(archive_entry_perm(entry)) & 0o1777
        let owner: (uid: uid_t, gid: gid_t)? = preserveOwners
            ? (uid_t(truncatingIfNeeded: archive_entry_uid(entry)), gid_t(truncatingIfNeeded: archive_entry_gid(entry))) : nil
        let modified = timespec(tv_sec: archive_entry_mtime(entry), tv_nsec: archive_entry_mtime_nsec(entry))

        guard let last = components.last else {
            // "./": the tree's own root; never writable by group or others.
            record(directory: [], mode: mode & ~0o022, owner: owner, modified: modified)
            return
        }
        let parent = try openParent(Array(components.dropLast()), entry: name)

        if let link = archive_entry_hardlink(entry) {
            let target = try TreeWriter.components(link, entry: name)
            guard let targetName = target.last else { throw unsafe(name, "hard link to the tree's root") }
            let targetParent = try openDirectoryPath(Array(target.dropLast()), entry: name, create: false)
            defer { close(targetParent) }
            try clear(parent, last, forDirectory: false, entry: name)
            // A link to an entry that was skipped (a device node) is skipped too.
            guard linkat(targetParent, targetName, parent, last, 0) == 0 || errno == ENOENT else {
                throw .system("extract payload: hard link \(name) to \(String(cString: link))")
            }
            return
        }

        switch mode_t(archive_entry_filetype(entry)) {
        case S_IFDIR:
            if mkdirat(parent, last, 0o700) != 0 {
                guard errno == EEXIST else { throw .system("extract payload: create directory \(name)") }
                var info = stat()
                guard fstatat(parent, last, &info, AT_SYMLINK_NOFOLLOW) == 0, FileSystem.isDirectory(info) else {
                    throw unsafe(name, "a directory would replace a symlink or file of the same name")
                }
            }
            record(directory: components, mode: mode, owner: owner, modified: modified)
        case S_IFREG:
            try clear(parent, last, forDirectory: false, entry: name)
            let fd = ds_openat(parent, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .system("extract payload: create \(name)") }
            defer { close(fd) }
            try copyData(from: archive, to: fd, entry: name)
            if archive_entry_size_is_set(entry) != 0, ftruncate(fd, off_t(archive_entry_size(entry))) != 0 {
                throw .system("extract payload: size \(name)")
            }
            if let owner, fchown(fd, owner.uid, owner.gid) != 0 { throw .system("extract payload: chown \(name)") }
            guard fchmod(fd, mode) == 0 else { throw .system("extract payload: chmod \(name)") }
            var times = [modified, modified]
            _ = futimens(fd, &times)
        case S_IFLNK:
            guard let target = archive_entry_symlink(entry) else { throw unsafe(name, "a symlink without a target") }
            try clear(parent, last, forDirectory: false, entry: name)
            guard symlinkat(target, parent, last) == 0 else { throw .system("extract payload: symlink \(name)") }
            if let owner { _ = fchownat(parent, last, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) }
            var times = [modified, modified]
            _ = utimensat(parent, last, &times, AT_SYMLINK_NOFOLLOW)
        case S_IFIFO:
            try clear(parent, last, forDirectory: false, entry: name)
            guard mkfifoat(parent, last, mode) == 0 else { throw .system("extract payload: fifo \(name)") }
        default:
            // Character and block devices, sockets: the container binds the host's /dev.
            return
        }
    }

    /// Applies the deferred directory modes, owners and times, deepest first.
    func finish() throws(RunnerFailure) {
        if parentFd >= 0 { close(parentFd); parentFd = -1; parentKey = nil }
        if directoryIndex[[]] == nil { record(directory: [], mode: 0o755, owner: nil, modified: nil) }
        for directory in directories.sorted(by: { $0.components.count > $1.components.count }) {
            let fd = try openDirectoryPath(directory.components, entry: "directory metadata", create: false)
            defer { close(fd) }
            if let owner = directory.owner, fchown(fd, owner.uid, owner.gid) != 0 {
                throw .system("extract payload: chown a directory")
            }
            guard fchmod(fd, directory.mode) == 0 else { throw .system("extract payload: chmod a directory") }
            if let modified = directory.modified {
                var times = [modified, modified]
                _ = futimens(fd, &times)
            }
        }
    }

    private func record(directory components: [[CChar]], mode: mode_t, owner: (uid: uid_t, gid: gid_t)?,
                        modified: timespec?) {
        let metadata = DirectoryMetadata(components: components, mode: mode, owner: owner, modified: modified)
        let key = TreeWriter.key(components)
        if let index = directoryIndex[key] {
            directories[index] = metadata
        } else {
            directoryIndex[key] = directories.count
            directories.append(metadata)
        }
    }

    /// The parent directory of the next entry, creating missing ones; the
    /// last one is kept open because archives list siblings together.
    private func openParent(_ components: [[CChar]], entry: String) throws(RunnerFailure) -> Int32 {
        let key = TreeWriter.key(components)
        if key == parentKey, parentFd >= 0 { return parentFd }
        let fd = try openDirectoryPath(components, entry: entry, create: true)
        if parentFd >= 0 { close(parentFd) }
        parentFd = fd
        parentKey = key
        return fd
    }

    private func openDirectoryPath(_ components: [[CChar]], entry: String, create: Bool) throws(RunnerFailure) -> Int32 {
        var current = dup(rootFd)
        guard current >= 0 else { throw .system("extract payload: dup") }
        for (depth, component) in components.enumerated() {
            var next = FileSystem.openDirectory(current, component)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(current, component, 0o700) != 0 && errno != EEXIST {
                    let code = errno
                    close(current)
                    throw .system("extract payload: create the parent of \(entry)", code)
                }
                let path = Array(components[0...depth])
                if directoryIndex[TreeWriter.key(path)] == nil {
                    record(directory: path, mode: 0o755, owner: nil, modified: nil)
                }
                next = FileSystem.openDirectory(current, component)
            }
            let code = errno
            close(current)
            guard next >= 0 else {
                if code == ELOOP || code == ENOTDIR {
                    throw unsafe(entry, "its path goes through a symlink or a file")
                }
                throw .system("extract payload: open the parent of \(entry)", code)
            }
            current = next
        }
        return current
    }

    /// Removes what an earlier entry left at `name`, unless it is a directory.
    private func clear(_ parent: Int32, _ name: [CChar], forDirectory: Bool, entry: String) throws(RunnerFailure) {
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if FileSystem.isDirectory(info) {
            throw unsafe(entry, "a file would replace a directory of the same name")
        }
        guard unlinkat(parent, name, 0) == 0 else { throw .system("extract payload: replace \(entry)") }
    }

    private func copyData(from archive: OpaquePointer, to fd: Int32, entry: String) throws(RunnerFailure) {
        var block: UnsafeRawPointer? = nil
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(archive, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status >= ARCHIVE_WARN else {
                throw RunnerFailure(step: "extract payload", cause: "\(entry): \(PayloadReader.message(archive))",
                                    hint: PayloadReader.corruptHint)
            }
            guard let block else { continue }
            var done = 0
            while done < size {
                let wrote = pwrite(fd, block + done, size - done, off_t(offset) + off_t(done))
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw .system("extract payload: write \(entry)")
                }
                done += wrote
            }
        }
    }

    private func unsafe(_ entry: String, _ why: String) -> RunnerFailure {
        RunnerFailure(step: "extract payload", cause: "refusing entry \"\(entry)\": \(why)",
                      hint: PayloadReader.corruptHint)
    }

    /// The NUL-terminated components of an entry name; `.` and empty ones
    /// dropped, `..` and absolute names refused.
    static func components(_ name: UnsafePointer<CChar>, entry: String) throws(RunnerFailure) -> [[CChar]] {
        let bytes = Array(UnsafeBufferPointer(start: name, count: strlen(name)))
        if bytes.first == 47 {
            throw RunnerFailure(step: "extract payload", cause: "refusing entry \"\(entry)\": absolute path",
                                hint: PayloadReader.corruptHint)
        }
        var result: [[CChar]] = []
        for part in bytes.split(separator: 47, omittingEmptySubsequences: true) {
            if part.elementsEqual([46]) { continue }
            if part.elementsEqual([46, 46]) {
                throw RunnerFailure(step: "extract payload", cause: "refusing entry \"\(entry)\": \"..\" in its path",
                                    hint: PayloadReader.corruptHint)
            }
            result.append(Array(part) + [0])
        }
        return result
    }

    private static func key(_ components: [[CChar]]) -> [CChar] {
        components.flatMap { $0 }
    }
}
