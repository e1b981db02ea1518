import DotslashDigest
#if canImport(Glibc)
import Glibc
#endif

/// Verified downloads, named by their SHA-256: `blobs/sha256/<hex>`,
/// read-only regular files. A blob is published only after its digest was
/// checked, by an atomic rename from tmp/.
public struct BlobStore: Sendable {
    public let state: StateDirectory

    public init(state: StateDirectory) {
        self.state = state
    }

    public func path(for digest: Digest) -> String { state.blobPath(digest) }

    /// Where a download of `digest` is written until it is verified; a
    /// leftover from an interrupted run is resumed from here.
    public func partialDownloadPath(for digest: Digest) -> String {
        state.temporaryDirectory + "/" + Self.partialPrefix + digest.hex + ".partial"
    }

    public static let partialPrefix = "download-"

    /// True when the blob is present as a read-only regular file of the
    /// expected size and, with `rehash`, its content has the digest in its
    /// name. Anything else counts as absent (a fetch then replaces it).
    public func contains(_ digest: Digest, size: Int64? = nil, rehash: Bool = false) throws -> Bool {
        let path = path(for: digest)
        guard let info = try FileSystem.lstatIfPresent(path, step: "checking blob") else { return false }
        guard FileSystem.isRegular(info), info.st_mode & 0o222 == 0 else { return false }
        if let size, Int64(info.st_size) != size { return false }
        if rehash { return try Self.digest(ofFile: path) == digest }
        return true
    }

    /// Publishes a verified temporary file as the blob `digest`: fsync,
    /// read-only mode, rename into blobs/sha256/, fsync the directory. The
    /// caller has checked the digest while writing the file.
    @discardableResult
    public func publish(temporaryFile: String, as digest: Digest) throws -> String {
        let fd = try FileSystem.open(temporaryFile, O_RDONLY, step: "opening download to publish")
        defer { close(fd) }
        if fchmod(fd, 0o444) != 0 { throw StoreError.system("making read-only", temporaryFile) }
        try FileSystem.sync(fd, path: temporaryFile, step: "syncing download")
        let final = path(for: digest)
        try FileSystem.renameDurably(temporaryFile, to: final, step: "publishing blob")
        return final
    }

    /// SHA-256 of a whole file, read in large blocks.
    public static func digest(ofFile path: String) throws -> Digest {
        var hasher = SHA256()
        try hash(file: path, into: &hasher)
        return hasher.finalize()
    }

    /// Feeds a file's bytes into `hasher`; returns how many were read.
    @discardableResult
    public static func hash(file path: String, into hasher: inout SHA256) throws -> Int64 {
        let fd = try FileSystem.open(path, O_RDONLY, step: "opening to hash")
        defer { close(fd) }
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = read(fd, buffer.baseAddress, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError.system("reading to hash", path)
            }
            if count == 0 { return total }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += Int64(count)
        }
    }
}
