#if canImport(Glibc)
import Glibc
#endif

/// Whole-buffer reads and writes on a file descriptor, retrying on EINTR
/// and short transfers.
enum FileDescriptorIO {
    /// Reads exactly `count` bytes at `offset`; fewer means the file ended.
    static func read(_ fd: Int32, count: Int, at offset: UInt64, step: String) throws(RunnerFormatError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system(step: step, errno: errno)
            }
            if got == 0 { throw .truncated("\(step): expected \(count) bytes at offset \(offset), the file ended after \(done)") }
            done += got
        }
        return buffer
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, step: String) throws(RunnerFormatError) {
        if let code = writeAll(fd, bytes) { throw .system(step: step, errno: code) }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], step: String) throws(RunnerFormatError) {
        if let code = bytes.withUnsafeBytes({ writeAll(fd, $0) }) { throw .system(step: step, errno: code) }
    }

    /// Writes everything; the errno of a failure, or nil.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var done = 0
        while done < bytes.count {
            let wrote = Glibc.write(fd, base + done, bytes.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += wrote
        }
        return nil
    }

    static func size(_ fd: Int32, step: String) throws(RunnerFormatError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(step: step, errno: errno) }
        return UInt64(info.st_size)
    }

    static func openForReading(_ path: String, step: String) throws(RunnerFormatError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(step: "\(step) \(path)", errno: errno) }
        return fd
    }
}
