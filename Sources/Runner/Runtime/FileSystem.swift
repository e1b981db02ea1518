#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// Small file-system helpers with errno-carrying failures.
enum FileSystem {
    static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    static func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }

    static func kind(_ path: String) -> HostPathKind? {
        guard let info = status(path) else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return nil
        }
    }

    /// `mkdir -p` with `mode` for the directories it creates.
    static func makeDirectories(_ path: String, mode: mode_t, step: String) throws(RunnerFailure) {
        var current = ""
        for part in PathText.components(path) {
            current += "/" + part
            if mkdir(current, mode) == 0 {
                _ = chmod(current, mode)  // whatever the umask
            } else if errno != EEXIST {
                throw .system("\(step): create \(current)")
            }
        }
    }

    /// Opens `name` under `parent` as a directory without following a symlink.
    static func openDirectory(_ parent: Int32, _ name: UnsafePointer<CChar>) -> Int32 {
        ds_openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    }

    /// `rm -rf parent/name`, making directories writable on the way; never
    /// follows a symlink. Returns the first errno, or 0.
    @discardableResult
    static func removeTree(_ parent: Int32, _ name: UnsafePointer<CChar>) -> Int32 {
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return errno == ENOENT ? 0 : errno }
        guard isDirectory(info) else { return unlinkat(parent, name, 0) == 0 ? 0 : errno }
        _ = fchmodat(parent, name, 0o700, 0)
        let fd = openDirectory(parent, name)
        guard fd >= 0, let directory = fdopendir(fd) else { return errno }
        var names: [[CChar]] = []
        while let entry = readdir(directory) {
            let child = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.bindMemory(to: CChar.self).prefix { $0 != 0 }) + [0] }
            if child == [46, 0] || child == [46, 46, 0] { continue }  // "." and ".."
            names.append(child)
        }
        var failure: Int32 = 0
        for child in names {
            let code = removeTree(dirfd(directory), child)
            if failure == 0 { failure = code }
        }
        closedir(directory)
        if unlinkat(parent, name, AT_REMOVEDIR) != 0, failure == 0 { failure = errno }
        return failure
    }

    /// Reads a whole small file (host databases, the tree's /etc files).
    static func readText(_ fd: Int32) -> String? {
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            bytes.append(contentsOf: buffer[0..<got])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func readText(_ path: String) -> String? {
        readText(open(path, O_RDONLY | O_CLOEXEC))
    }

    /// Writes all of `text` to `fd`; errno or 0.
    static func writeAll(_ fd: Int32, _ text: String) -> Int32 {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if wrote < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += wrote
        }
        return 0
    }
}
