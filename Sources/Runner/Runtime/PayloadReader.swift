#if canImport(Glibc)
import Glibc
#endif
import CArchive
import DotslashDigest

/// Feeds the payload bytes of the runner file to libarchive and hashes
/// every byte on the way, so one pass both extracts and verifies.
final class PayloadReader {
    static let corruptHint = "the runner file is corrupt or was altered; rebuild it with `dotslash apply`"
    private static let chunkSize = 1 << 18

    private let fd: Int32
    private var offset: UInt64
    private var remaining: UInt64
    private var hasher = SHA256()
    private let buffer: UnsafeMutableRawPointer
    private(set) var readErrno: Int32 = 0

    init(fd: Int32, offset: UInt64, length: UInt64) {
        self.fd = fd
        self.offset = offset
        self.remaining = length
        buffer = UnsafeMutableRawPointer.allocate(byteCount: PayloadReader.chunkSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next chunk (count 0 at the end), or -1 with `readErrno` set.
    func next() -> (UnsafeRawPointer, Int) {
        let want = Int(min(UInt64(PayloadReader.chunkSize), remaining))
        guard want > 0 else { return (UnsafeRawPointer(buffer), 0) }
        while true {
            let got = pread(fd, buffer, want, off_t(offset))
            if got < 0 && errno == EINTR { continue }
            if got < 0 { readErrno = errno; return (UnsafeRawPointer(buffer), -1) }
            if got == 0 { readErrno = EIO; return (UnsafeRawPointer(buffer), -1) }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: got))
            offset += UInt64(got)
            remaining -= UInt64(got)
            return (UnsafeRawPointer(buffer), got)
        }
    }

    /// Reads whatever libarchive left unread and returns the digest of all.
    func finish() throws(RunnerFailure) -> Digest {
        while remaining > 0 {
            guard next().1 > 0 else { throw .system("verify payload: read the runner", readErrno) }
        }
        return hasher.finalize()
    }

    static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unreadable archive"
    }
}

/// libarchive's read callback: `client` is the PayloadReader.
private func payloadRead(_ _: OpaquePointer?, _ client: UnsafeMutableRawPointer?,
                         _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
    guard let client else { return -1 }
    let reader = Unmanaged<PayloadReader>.fromOpaque(client).takeUnretainedValue()
    let (bytes, count) = reader.next()
    out?.pointee = bytes
    return la_ssize_t(count)
}

/// A libarchive reader for the runner's payload: tar in gzip, xz, zstd,
/// bzip2 or no compression; owned and freed here.
final class PayloadArchive {
    let archive: OpaquePointer
    private let reader: PayloadReader

    init(reader: PayloadReader) throws(RunnerFailure) {
        guard let archive = archive_read_new() else {
            throw RunnerFailure(step: "extract payload", cause: "libarchive could not allocate a reader")
        }
        self.archive = archive
        self.reader = reader
        archive_read_support_filter_gzip(archive)
        archive_read_support_filter_xz(archive)
        archive_read_support_filter_zstd(archive)
        archive_read_support_filter_bzip2(archive)
        archive_read_support_format_tar(archive)
        let client = Unmanaged.passUnretained(reader).toOpaque()
        guard archive_read_open(archive, client, nil, payloadRead, nil) == ARCHIVE_OK else {
            throw RunnerFailure(step: "extract payload", cause: PayloadReader.message(archive), hint: PayloadReader.corruptHint)
        }
    }

    deinit { archive_read_free(archive) }

    /// libarchive's message, or the read error behind it.
    func failure() -> RunnerFailure {
        if reader.readErrno != 0 { return .system("extract payload: read the runner", reader.readErrno) }
        return RunnerFailure(step: "extract payload", cause: PayloadReader.message(archive), hint: PayloadReader.corruptHint)
    }

    /// The next entry, or nil at the end of the archive.
    func nextEntry() throws(RunnerFailure) -> OpaquePointer? {
        var entry: OpaquePointer? = nil
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status >= ARCHIVE_WARN, let entry else {
            throw failure()
        }
        return entry
    }
}
