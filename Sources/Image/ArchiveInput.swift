import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// A tar archive read member by member through libarchive: plain, gzip,
/// zstd, xz or bzip2, told apart by the bytes, not by a media type or a
/// file name. Layers and OCI archives both come through here.
final class ArchiveInput {
    let path: String
    private let handle: OpaquePointer
    private let fd: Int32
    /// What we are reading, for messages ("layer 2 of 3").
    let what: String

    init(path: String, what: String, reference: String) throws {
        self.path = path
        self.what = what
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageError(.layer, reference: reference, step: "opening \(what)", detail: "\(path): \(String(cString: strerror(errno)))")
        }
        guard let handle = archive_read_new() else {
            close(fd)
            throw ImageError(.layer, reference: reference, step: "opening \(what)", detail: "libarchive is out of memory")
        }
        self.handle = handle
        for enable in [archive_read_support_filter_gzip, archive_read_support_filter_zstd, archive_read_support_filter_xz,
                       archive_read_support_filter_bzip2, archive_read_support_filter_none, archive_read_support_format_tar] {
            _ = enable(handle)
        }
        if archive_read_open_fd(handle, fd, 1 << 20) != ARCHIVE_OK {
            let message = errorMessage
            archive_read_free(handle)
            close(fd)
            throw ImageError(.layer, reference: reference, step: "opening \(what)", detail: "\(path): \(message)",
                             hint: "it is not a tar archive (plain, gzip or zstd) or it is damaged")
        }
    }

    deinit {
        archive_read_free(handle)
        close(fd)
    }

    var errorMessage: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    /// The next member's header, nil at the end. The entry belongs to the
    /// reader and is valid until the next call.
    func next() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw ArchiveInputError(message: errorMessage)
        }
        return entry
    }

    /// A member's path as stored (UTF-8 when the archive says so).
    static func pathname(_ entry: OpaquePointer) -> String? {
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        return archive_entry_pathname(entry).map { String(cString: $0) }
    }

    /// Hands the current member's content to `sink` in blocks (holes of
    /// sparse files as zeros); returns the byte count.
    @discardableResult
    func readData(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let capacity = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = archive_read_data(handle, buffer.baseAddress, capacity)
            if count < 0 { throw ArchiveInputError(message: errorMessage) }
            if count == 0 { return total }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += Int64(count)
        }
    }

    /// Reads the current member into memory, refusing more than `limit` bytes.
    func readAll(limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try readData { chunk in
            if bytes.count + chunk.count > limit { throw ArchiveInputError(message: "larger than \(limit) bytes") }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}

/// libarchive's message for a damaged archive; callers add what and where.
struct ArchiveInputError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Names as tar writes them: "./blobs/sha256/x" and "blobs/sha256/x" are the same member.
enum MemberName {
    static func normalised(_ name: String) -> String {
        name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }
}
