#if canImport(Glibc)
import Glibc
#endif

/// The few file system calls the library makes, each reporting errno so
/// callers can attach the stage. binfmt_misc files are pseudo files: every
/// read and write must be a single system call on a fresh descriptor.
enum SystemFiles {
    /// Reads a binfmt_misc file in one read(2); these files are at most a page.
    static func readSmall(_ path: String) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno.current) }
        defer { close(fd) }
        var contents = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Errno.current)
            }
            contents += buffer[0..<count]
            // A short read is the whole pseudo file; a full one may not be.
            if count < buffer.count { return .success(contents) }
        }
    }

    /// Writes `bytes` with exactly one write(2), as binfmt_misc requires.
    /// The error says whether opening or writing failed: for `register` the
    /// two mean different things (not mounted, or the string was refused).
    static func writeOnce(_ path: String, _ bytes: [UInt8]) -> WriteFailure? {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return WriteFailure(errno: Errno.current, opening: true) }
        defer { close(fd) }
        var written: Int
        repeat {
            written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        if written < 0 { return WriteFailure(errno: Errno.current, opening: false) }
        return written == bytes.count ? nil : WriteFailure(errno: Errno(code: EIO), opening: false)
    }

    /// The names in a directory, without "." and "..": one listing.
    static func list(_ path: String) -> Result<[String], Errno> {
        guard let dir = opendir(path) else { return .failure(Errno.current) }
        defer { closedir(dir) }
        var names = [String]()
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                return errno == 0 ? .success(names) : .failure(Errno.current)
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

struct WriteFailure {
    let errno: Errno
    let opening: Bool
}

/// An errno value, as an Error so `Result` can carry it.
struct Errno: Error, Equatable {
    let code: Int32
    static var current: Errno { Errno(code: errno) }
}
