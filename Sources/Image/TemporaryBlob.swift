import DotslashDigest
import DotslashStore
#if canImport(Glibc)
import Glibc
#endif

/// A file being written into the store's tmp/ and hashed as it is written.
/// `publish` verifies the digest and renames it to `blobs/sha256/<hex>`;
/// a value released unpublished deletes its file: nothing partial remains
/// under a final name.
final class TemporaryBlob {
    let path: String
    private var fd: Int32
    private var hasher = SHA256()
    private(set) var size: Int64 = 0
    private let state: StateDirectory

    init(state: StateDirectory, label: String) throws {
        self.state = state
        path = state.temporaryDirectory + "/\(label).\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.system("creating", path) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = Glibc.write(fd, base, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw StoreError.system("writing", path, hint: "check free space under the state directory")
            }
            base += written
            left -= written
        }
        hasher.update(bytes)
        size += Int64(bytes.count)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Publishes the file as the blob of its own digest, after checking it
    /// against `expected` when one is given (a mismatch deletes the file and
    /// throws `mismatch(actual)`).
    func publish(expected: Digest?, mismatch: (Digest) -> Error) throws -> (digest: Digest, path: String) {
        var finished = hasher
        let digest = finished.finalize()
        if let expected, expected != digest { throw mismatch(digest) }
        close(fd)
        fd = -1
        let blobs = BlobStore(state: state)
        do {
            if try blobs.contains(digest) {
                unlink(path)
                return (digest, blobs.path(for: digest))
            }
            return (digest, try blobs.publish(temporaryFile: path, as: digest))
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Renames the file to `path` instead of into blobs/: for files named by
    /// their role, such as images.lock. fsync first, then the directory.
    func commit(as destination: String, mode: mode_t) throws {
        if fchmod(fd, mode) != 0 || fsync(fd) != 0 { throw StoreError.system("syncing", path) }
        close(fd)
        fd = -1
        guard rename(path, destination) == 0 else {
            let error = StoreError.system("renaming into place", destination)
            unlink(path)
            throw error
        }
        let parent = destination.lastIndex(of: "/").map { String(destination[..<$0]) } ?? "."
        let directory = open(parent.isEmpty ? "/" : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
