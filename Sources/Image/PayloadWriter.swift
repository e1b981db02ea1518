import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// Writes the flattened tree as a pax tar compressed with zstd, through
/// libarchive, into a `TemporaryBlob` (which hashes it). The same entries
/// in the same order give the same bytes: only the path, type, permission
/// bits, numeric owner, whole-second mtime and link target are recorded
/// (no user names, no atime or ctime, no extended attributes).
final class PayloadWriter {
    private let handle: OpaquePointer
    private let sink: Sink
    private var closed = false

    /// Receives libarchive's output; remembers the first write error.
    private final class Sink {
        let blob: TemporaryBlob
        var failure: Error?
        init(blob: TemporaryBlob) { self.blob = blob }
    }

    init(blob: TemporaryBlob) throws {
        guard let handle = archive_write_new() else {
            throw ArchiveInputError(message: "libarchive is out of memory")
        }
        self.handle = handle
        sink = Sink(blob: blob)
        guard archive_write_set_format_pax_restricted(handle) == ARCHIVE_OK,
              archive_write_add_filter_zstd(handle) == ARCHIVE_OK else {
            let message = archive_error_string(handle).map { String(cString: $0) } ?? "unknown error"
            archive_write_free(handle)
            throw ArchiveInputError(message: "libarchive cannot write zstd-compressed pax archives: \(message)")
        }
        // No zero padding after the compressed stream: zstd readers take
        // padding for a damaged next frame.
        archive_write_set_bytes_in_last_block(handle, 1)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let status = archive_write_open(handle, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            do {
                try sink.blob.write(UnsafeRawBufferPointer(start: buffer, count: length))
                return la_ssize_t(length)
            } catch {
                if sink.failure == nil { sink.failure = error }
                return -1
            }
        }, nil)
        guard status == ARCHIVE_OK else { throw failure("starting the payload") }
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    private func failure(_ step: String) -> Error {
        if let error = sink.failure { return error }
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
        return ArchiveInputError(message: "\(step): \(message)")
    }

    /// Writes one header. `hardlink` makes it a link to an earlier path.
    func header(path: NameBytes, kind: NodeKind, metadata: NodeMetadata, hardlink: NameBytes? = nil) throws {
        guard let entry = archive_entry_new() else { throw ArchiveInputError(message: "libarchive is out of memory") }
        defer { archive_entry_free(entry) }
        Self.withCString(path) { archive_entry_set_pathname(entry, $0) }
        archive_entry_set_perm(entry, mode_t(metadata.mode & 0o7777))
        archive_entry_set_uid(entry, metadata.uid)
        archive_entry_set_gid(entry, metadata.gid)
        archive_entry_set_mtime(entry, time_t(metadata.mtime), 0)
        switch kind {
        case .directory:
            archive_entry_set_filetype(entry, UInt32(Glibc.S_IFDIR))
        case .regular(_, let size):
            archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
            if let hardlink {
                Self.withCString(hardlink) { archive_entry_set_hardlink(entry, $0) }
                archive_entry_set_size(entry, 0)
            } else {
                archive_entry_set_size(entry, size)
            }
        case .symlink(let target):
            archive_entry_set_filetype(entry, UInt32(Glibc.S_IFLNK))
            Self.withCString(target) { archive_entry_set_symlink(entry, $0) }
        case .fifo:
            archive_entry_set_filetype(entry, UInt32(Glibc.S_IFIFO))
        }
        if archive_write_header(handle, entry) < ARCHIVE_WARN {
            throw failure("writing the header of \(String(decoding: path, as: UTF8.self))")
        }
    }

    /// Writes content for the current regular file.
    func data(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if archive_write_data(handle, base, bytes.count) < 0 { throw failure("writing file content") }
    }

    /// Flushes the compressor and the last block.
    func finish() throws {
        closed = true
        if archive_write_close(handle) != ARCHIVE_OK { throw failure("finishing the payload") }
    }

    private static func withCString<T>(_ bytes: NameBytes, _ body: (UnsafePointer<CChar>) -> T) -> T {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
