#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// Prepares the overlay's upper layer before the overlay exists: mount
/// points the tree lacks, and the container's /etc/passwd and /etc/group.
///
/// Written into the upper directory (a tmpfs of the caller's own), because
/// through the overlay a non-root caller could not create anything in the
/// tree's root-owned directories. Paths are first resolved inside the tree,
/// symlinks included, as the container will see them: a mount point for
/// `/var/run/x` lands in `/run/x` when the tree links `/var/run` to `/run`.
struct UpperLayer {
    let lower: Int32
    let upper: Int32

    /// What the tree has at a path.
    enum Kind: Equatable {
        case missing
        case directory
        case file
        case other
    }

    /// `path` with every symlink of the tree resolved, as if the tree were
    /// "/"; nil after too many links.
    func resolve(_ path: String) -> String? {
        var pending = PathText.components(path)
        var resolved: [String] = []
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." { continue }
            if name == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = PathText.join(resolved + [name])
            guard let target = readLink(candidate) else {
                resolved.append(name)
                continue
            }
            links += 1
            guard links <= 40 else { return nil }
            if target.hasPrefix("/") { resolved.removeAll() }
            pending = PathText.components(target) + pending
        }
        return PathText.join(resolved)
    }

    /// The kind of `path` (already resolved) in the tree.
    func kind(_ path: String) -> Kind {
        var info = stat()
        guard fstatat(lower, relative(path), &info, AT_SYMLINK_NOFOLLOW) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    /// Makes `path` (resolved) exist in the upper layer: its directories with
    /// the tree's modes where the tree has them, the last one as a directory
    /// (0755) or an empty file (0644).
    func create(_ path: String, directory: Bool) -> Bool {
        let parts = PathText.components(path)
        var current = dup(upper)
        guard current >= 0 else { return false }
        defer { close(current) }
        for index in 0..<parts.count {
            let name = parts[index]
            let isLast = index == parts.count - 1
            if isLast && !directory {
                let fd = ds_openat(current, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
                guard fd >= 0 else { return false }
                close(fd)
                return true
            }
            // A directory the tree has keeps its mode (and, for root, its
            // owner): in the merged view the upper directory's attributes win.
            var mode: mode_t = 0o755
            var info = stat()
            let inTree = fstatat(lower, relative(PathText.join(parts, count: index + 1)), &info, AT_SYMLINK_NOFOLLOW) == 0
                && FileSystem.isDirectory(info)
            if inTree { mode = info.st_mode & 0o7777 }
            if mkdirat(current, name, mode) == 0 {
                _ = fchmodat(current, name, mode, 0)  // whatever the umask
                if inTree && geteuid() == 0 { _ = fchownat(current, name, info.st_uid, info.st_gid, AT_SYMLINK_NOFOLLOW) }
            } else if errno != EEXIST {
                return false
            }
            let next = FileSystem.openDirectory(current, name)
            guard next >= 0 else { return false }
            close(current)
            current = next
        }
        return true
    }

    /// Writes `text` as the file `path` (resolved) in the upper layer.
    func write(_ path: String, _ text: String) -> Int32 {
        guard create(path, directory: false) else { return errno }
        let parent = PathText.dirname(path)
        let directory = parent == "/" ? dup(upper) : ds_openat(upper, relative(parent), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
        guard directory >= 0 else { return errno }
        defer { close(directory) }
        let name = PathText.components(path).last ?? ""
        let fd = ds_openat(directory, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return FileSystem.writeAll(fd, text)
    }

    /// The tree's file at `path` (resolved), or "".
    func read(_ path: String) -> String {
        FileSystem.readText(ds_openat(lower, relative(path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0)) ?? ""
    }

    private func readLink(_ path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let count = buffer.withUnsafeMutableBytes { raw in
            readlinkat(lower, relative(path), raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard count >= 0 else { return nil }
        buffer.removeLast(buffer.count - count)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// "a/b" for "/a/b", "." for "/": paths relative to the layer descriptors.
    private func relative(_ path: String) -> String {
        let parts = PathText.components(path)
        guard !parts.isEmpty else { return "." }
        var text = parts[0]
        for index in 1..<parts.count { text += "/" + parts[index] }
        return text
    }
}
