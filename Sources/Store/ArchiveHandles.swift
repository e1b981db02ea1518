import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// A libarchive reader for tarballs, compressed with gzip, xz, zstd, bzip2
/// or not at all (auto-detected); tar, pax and GNU tar formats.
final class ArchiveReader {
    let handle: OpaquePointer
    let path: String
    private let fd: Int32

    /// Opens `path` now, so the reader works whatever the working directory
    /// is when it reads.
    init(path: String) throws {
        fd = try FileSystem.open(path, O_RDONLY, step: "opening archive")
        guard let handle = archive_read_new() else {
            close(fd)
            throw StoreError(.archive, step: "opening archive", path: path, detail: "libarchive is out of memory")
        }
        self.handle = handle
        self.path = path
        for enable in [archive_read_support_filter_gzip, archive_read_support_filter_xz,
                       archive_read_support_filter_zstd, archive_read_support_filter_bzip2,
                       archive_read_support_filter_none, archive_read_support_format_tar] {
            // An unavailable filter only limits what we can read; reading reports it.
            _ = enable(handle)
        }
        if archive_read_open_fd(handle, fd, 1 << 20) != ARCHIVE_OK {
            throw error(step: "opening archive")
        }
    }

    /// Compressed bytes consumed so far, for progress.
    var bytesRead: Int64 { archive_filter_bytes(handle, -1) }

    func error(step: String) -> StoreError {
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
        return StoreError(.archive, step: step, path: path, detail: message,
                          hint: "the file is not a tarball (gzip, xz, zstd, bzip2 or plain tar) or is damaged")
    }

    deinit {
        archive_read_free(handle)
        close(fd)
    }
}

/// libarchive's disk writer, always with the secure flags: no `..`, no
/// absolute names, no writes through symlinks (also for hard-link targets).
final class ArchiveDiskWriter {
    let handle: OpaquePointer

    init(keepOwnership: Bool) throws {
        guard let handle = archive_write_disk_new() else {
            throw StoreError(.archive, step: "preparing extraction", path: "", detail: "libarchive is out of memory")
        }
        self.handle = handle
        var flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS
            | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME
        // Numeric ids as recorded (no host name lookup: the rootfs has its own users).
        if keepOwnership { flags |= ARCHIVE_EXTRACT_OWNER }
        archive_write_disk_set_options(handle, flags)
    }

    var errorMessage: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    var errorNumber: Int32 { archive_errno(handle) }

    deinit { archive_write_free(handle) }
}
