import CArchive

/// The libarchive this build extracts with, for `dotslash version`.
public enum ArchiveLibrary {
    public static var version: String {
        archive_version_string().map { String(cString: $0) } ?? "libarchive"
    }
}
