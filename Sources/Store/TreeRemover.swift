#if canImport(Glibc)
import Glibc
#endif

/// Deletes a file or a whole tree without following symlinks, making
/// read-only directories writable first (extracted trees keep the modes of
/// their tarball, and a non-root owner cannot otherwise empty them).
enum TreeRemover {
    static func remove(_ path: String) throws {
        guard let info = try FileSystem.lstatIfPresent(path, step: "removing") else { return }
        if FileSystem.isDirectory(info) {
            if info.st_mode & 0o700 != 0o700 && chmod(path, (info.st_mode & 0o7777) | 0o700) != 0 {
                throw StoreError.system("making writable to remove", path)
            }
            for name in try FileSystem.entries(of: path) {
                try remove(path + "/" + name)
            }
            if rmdir(path) != 0 && errno != ENOENT { throw StoreError.system("removing directory", path) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw StoreError.system("removing", path)
        }
    }

    /// Bytes a file or tree occupies: apparent sizes of regular files and
    /// symlinks, each hard-linked inode counted once.
    static func size(of path: String) throws -> Int64 {
        var seen = Set<UInt64>()
        return try size(of: path, seen: &seen)
    }

    private static func size(of path: String, seen: inout Set<UInt64>) throws -> Int64 {
        guard let info = try FileSystem.lstatIfPresent(path, step: "measuring") else { return 0 }
        if FileSystem.isDirectory(info) {
            // A directory we may not read (mode 0) still counts what we can see.
            guard info.st_mode & 0o500 == 0o500 || geteuid() == 0 else { return 0 }
            var total: Int64 = 0
            for name in try FileSystem.entries(of: path) {
                total += try size(of: path + "/" + name, seen: &seen)
            }
            return total
        }
        if info.st_nlink > 1 && !seen.insert(UInt64(info.st_ino)).inserted { return 0 }
        return Int64(info.st_size)
    }
}
