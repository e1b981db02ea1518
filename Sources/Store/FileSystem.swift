#if canImport(Glibc)
import Glibc
#endif

/// Small POSIX helpers shared by the store: every failure becomes a
/// `StoreError` naming the step, the path and the errno text.
enum FileSystem {
    /// lstat(2); nil when the path does not exist.
    static func lstatIfPresent(_ path: String, step: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw StoreError.system(step, path)
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
    static func isSymlink(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFLNK }

    /// open(2) with O_CLOEXEC, retrying on EINTR.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600, step: String) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw StoreError.system(step, path) }
        }
    }

    /// fsync(2) on an open descriptor.
    static func sync(_ fd: Int32, path: String, step: String) throws {
        if fsync(fd) != 0 { throw StoreError.system(step, path) }
    }

    /// Opens a directory and fsyncs it, so a rename inside it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY, step: "opening directory to sync")
        defer { close(fd) }
        try sync(fd, path: path, step: "syncing directory")
    }

    /// Writes all of `buffer`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String, step: String) throws {
        guard var base = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let written = write(fd, base, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw StoreError.system(step, path)
            }
            left -= written
            base += written
        }
    }

    /// rename(2), then fsync the destination directory.
    static func renameDurably(_ from: String, to: String, step: String) throws {
        if rename(from, to) != 0 { throw StoreError.system(step, to) }
        try syncDirectory(parent(of: to))
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Creates one directory with exactly `mode` (the umask is overridden);
    /// an existing directory is left as it is.
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        if mkdir(path, mode) != 0 {
            if errno == EEXIST { return }
            throw StoreError.system("creating directory", path)
        }
        if chmod(path, mode) != 0 { throw StoreError.system("setting the mode of", path) }
    }

    /// Names in a directory (without `.` and `..`); empty when it does not exist.
    static func entries(of path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw StoreError.system("listing directory", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// A short random suffix for temporary names.
    static func uniqueSuffix() -> String {
        "\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }
}

extension FileSystem {
    static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
