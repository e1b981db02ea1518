import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `/etc/binfmt.d/dotslash.conf`: the register lines of the owned entries,
/// so systemd-binfmt restores them at boot (design section 3).
///
/// systemd-binfmt reads the file line by line, strips surrounding
/// whitespace, skips empty lines and lines starting with `#` or `;`, and
/// writes each remaining line, followed by a newline, to `register` in one
/// write. A register line starts with `:` and ends with the flag `F`, so
/// nothing is stripped; magic and mask bytes are all `\xHH`, so no byte of
/// theirs can end a line or start a comment.
public enum BinfmtPersistence {
    public static let defaultDirectory = "/etc/binfmt.d"
    public static let fileName = "dotslash.conf"

    static let header = """
        # binfmt_misc entries of dotslash, one register string per line, read by
        # systemd-binfmt at boot (see binfmt.d(5)). Written by `dotslash apply`
        # from the manifests in /etc/dotslash; edits here are lost at the next
        # apply. To drop a language, remove it from the manifests and apply.

        """

    /// The file's content: the header, then one line per owned, enabled
    /// entry in name order. Foreign entries are left out, and so are
    /// disabled ones, which binfmt.d can't express. Throws when an entry
    /// can't be rendered.
    public static func render(_ entries: [BinfmtEntry]) throws -> String {
        var text = header
        for entry in entries.filter({ $0.isOwned && $0.enabled }).sorted(by: { byteOrder($0.name, $1.name) }) {
            text += try RegisterString.render(entry) + "\n"
        }
        return text
    }

    /// What `write` did.
    public struct Outcome: Sendable, Equatable {
        public var path: String
        /// False when the file already held exactly this content and was left alone.
        public var changed: Bool
    }

    /// Writes `render(entries)` to `<directory>/dotslash.conf` atomically
    /// (temporary file, fsync, rename, fsync of the directory), creating the
    /// directory and its parents when missing. A file that already says the
    /// same is not rewritten, so an apply with nothing to do writes nothing.
    @discardableResult
    public static func write(_ entries: [BinfmtEntry], to directory: String = defaultDirectory) throws -> Outcome {
        let text = try render(entries)
        let target = directory + "/" + fileName
        if let current = try? String(contentsOfFile: target, encoding: .utf8), current == text {
            return Outcome(path: target, changed: false)
        }
        let content = Array(text.utf8)
        func failure(_ path: String) -> BinfmtError {
            .system(stage: .persisting, path: path, errno: errno)
        }
        var prefix = ""
        for component in directory.split(separator: "/") {
            prefix += (prefix.isEmpty && !directory.hasPrefix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw failure(prefix) }
        }

        let temporary = "\(directory)/.\(fileName).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw failure(temporary) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            var offset = 0
            while offset < content.count {
                let count = content[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw failure(temporary)
                }
                offset += count
            }
            // The umask must not make the file unreadable to systemd-binfmt or users.
            if fchmod(fd, 0o644) != 0 || fsync(fd) != 0 { throw failure(temporary) }
            closed = true
            if close(fd) != 0 { throw failure(temporary) }
            if rename(temporary, target) != 0 { throw failure(target) }
        } catch {
            unlink(temporary)
            throw error
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
        return Outcome(path: target, changed: true)
    }
}
