import CSystem
import CArchive
import DotslashDigest
#if canImport(Glibc)
import Glibc
#endif

/// How an extraction treats ownership and privilege bits.
public struct ExtractionOptions: Sendable, Equatable {
    /// Keep the uids and gids recorded in the tarball (needs root).
    public var keepOwnership: Bool
    /// Keep setuid and setgid bits; otherwise they are dropped and reported.
    public var keepSetuid: Bool

    public init(keepOwnership: Bool, keepSetuid: Bool) {
        self.keepOwnership = keepOwnership
        self.keepSetuid = keepSetuid
    }

    /// Root extracting for the system store keeps owners and setuid bits;
    /// anyone else gets files of their own without them.
    public static func forCurrentUser(euid: uid_t = geteuid()) -> ExtractionOptions {
        ExtractionOptions(keepOwnership: euid == 0, keepSetuid: euid == 0)
    }
}

/// What an extraction did.
public struct ExtractionReport: Sendable, Equatable {
    /// The tree: `rootfs/<hex>`.
    public var path: String
    /// True when the tree was already there and nothing was extracted.
    public var alreadyPresent: Bool
    /// Members written.
    public var entries: Int
    /// Bytes of file content written.
    public var bytes: Int64
    /// Members left out (device nodes, sockets), each with the reason.
    public var skipped: [ArchiveMember]
    /// Members whose mode was changed (setuid or setgid dropped).
    public var modesChanged: [ArchiveMember]
}

/// Extracts a verified tarball blob into `rootfs/<hex>/`, safely: through
/// libarchive with the secure flags, into tmp/ first, renamed into place
/// only when every member was written and the tree is synced. A tarball
/// that tries to leave its tree (`..`, absolute names, writes through a
/// symlink, hard links out) is refused as a whole; the error lists every
/// offending member and nothing appears under the final name.
///
/// Call with the store lock held.
public struct RootfsExtractor {
    public let state: StateDirectory
    public let options: ExtractionOptions
    public let progress: ProgressReporter

    public init(state: StateDirectory, options: ExtractionOptions = .forCurrentUser(),
                progress: ProgressReporter = SilentProgress()) {
        self.state = state
        self.options = options
        self.progress = progress
    }

    /// Extracts the blob `digest` (already in blobs/sha256/) into rootfs/<hex>.
    @discardableResult
    public func extract(blob digest: Digest) throws -> ExtractionReport {
        let blob = state.blobPath(digest)
        guard try FileSystem.lstatIfPresent(blob, step: "looking for blob") != nil else {
            throw StoreError(.missing, step: "extracting", path: blob, detail: "the blob is not in the store",
                             hint: "fetch it first (dotslash fetch)")
        }
        return try extract(archive: blob, key: digest.hex)
    }

    /// Extracts any tarball into rootfs/<key>.
    @discardableResult
    public func extract(archive: String, key: String) throws -> ExtractionReport {
        guard !key.isEmpty, !key.contains("/"), key != ".", key != ".." else {
            throw StoreError(.missing, step: "extracting", path: archive, detail: "invalid rootfs name '\(key)'")
        }
        let final = state.rootfsDirectory + "/" + key
        if let info = try FileSystem.lstatIfPresent(final, step: "looking for rootfs"), FileSystem.isDirectory(info) {
            return ExtractionReport(path: final, alreadyPresent: true, entries: 0, bytes: 0, skipped: [], modesChanged: [])
        }
        // Trees left by interrupted extractions of this key are never resumed.
        let prefix = "rootfs-\(key)."
        for name in try FileSystem.entries(of: state.temporaryDirectory) where name.hasPrefix(prefix) {
            try TreeRemover.remove(state.temporaryDirectory + "/" + name)
        }
        let work = state.temporaryDirectory + "/" + prefix + FileSystem.uniqueSuffix()
        if mkdir(work, 0o700) != 0 { throw StoreError.system("creating extraction directory", work) }
        do {
            var report = try extractTree(archive: archive, into: work)
            report.path = final
            try publish(work, as: final)
            return report
        } catch {
            try? TreeRemover.remove(work)
            throw error
        }
    }

    private func extractTree(archive: String, into work: String) throws -> ExtractionReport {
        let size = (try FileSystem.lstatIfPresent(archive, step: "measuring archive")).map { Int64($0.st_size) }
        progress.start("extract \(FileSystem.lastComponent(archive).prefix(12))", total: size)
        let started = ContinuousClock.now
        let run: ExtractionRun
        do {
            run = ExtractionRun(reader: try ArchiveReader(path: archive), options: options, progress: progress)
            try PrivateDirectoryThread.run(in: work) { try run.perform() }
        } catch {
            progress.finish("failed")
            throw error
        }
        if !run.offenders.isEmpty {
            progress.finish("refused")
            throw StoreError(
                .hostileArchive(offenders: run.offenders), step: "extracting", path: archive,
                detail: "refused: \(run.offenders.count) member(s) try to write outside the tree; nothing was extracted",
                hint: "the tarball is hostile or broken; check rootfs.url and rootfs.sha256")
        }
        // The archive's "./" entry sets the top directory's mode; without one it stays 0700.
        if !run.sawRootEntry && chmod(work, 0o755) != 0 { throw StoreError.system("setting the mode of", work) }
        let fd = try FileSystem.open(work, O_RDONLY | O_DIRECTORY, step: "opening extracted tree")
        defer { close(fd) }
        if ds_syncfs(fd) != 0 { throw StoreError.system("syncing extracted tree", work) }
        let seconds = ByteFormat.seconds(ContinuousClock.now - started)
        progress.finish("\(run.entries) entries, \(ByteFormat.size(run.bytes)) in \(ByteFormat.oneDecimal(seconds))s")
        return ExtractionReport(path: work, alreadyPresent: false, entries: run.entries, bytes: run.bytes,
                                skipped: run.skipped, modesChanged: run.modesChanged)
    }

    private func publish(_ work: String, as final: String) throws {
        if rename(work, final) != 0 {
            // Someone extracted the same digest meanwhile: the same content, keep theirs.
            if errno == ENOTEMPTY || errno == EEXIST {
                try TreeRemover.remove(work)
                return
            }
            throw StoreError.system("publishing rootfs", final)
        }
        try FileSystem.syncDirectory(state.rootfsDirectory)
    }
}

/// One pass over an archive, run inside the (private) working directory of
/// the tree being built. Collects what it refused instead of stopping at the
/// first offender, so the user sees them all.
private final class ExtractionRun: @unchecked Sendable {
    let reader: ArchiveReader
    var archive: String { reader.path }
    let options: ExtractionOptions
    let progress: ProgressReporter
    var entries = 0
    var bytes: Int64 = 0
    var skipped: [ArchiveMember] = []
    var modesChanged: [ArchiveMember] = []
    var offenders: [ArchiveMember] = []
    var sawRootEntry = false

    /// Errors of the disk, not of the archive: stop at once.
    private static let fatalErrnos: Set<Int32> = [ENOSPC, EDQUOT, EIO, EROFS, EMFILE, ENFILE, ENOMEM]

    init(reader: ArchiveReader, options: ExtractionOptions, progress: ProgressReporter) {
        self.reader = reader
        self.options = options
        self.progress = progress
    }

    func perform() throws {
        let writer = try ArchiveDiskWriter(keepOwnership: options.keepOwnership)
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(reader.handle, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw reader.error(step: "reading archive")
            }
            try extractEntry(entry, reader: reader, writer: writer)
            progress.update(done: reader.bytesRead, total: nil)
        }
        if archive_write_close(writer.handle) < ARCHIVE_WARN {
            throw StoreError(.archive, step: "finishing extraction", path: archive, detail: writer.errorMessage)
        }
    }

    private func extractEntry(_ entry: OpaquePointer, reader: ArchiveReader, writer: ArchiveDiskWriter) throws {
        let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        if let reason = MemberPolicy.escape(name: name, hardlink: archive_entry_hardlink(entry).map { String(cString: $0) }) {
            offenders.append(ArchiveMember(name: name, reason: reason))
            return
        }
        let type = archive_entry_filetype(entry) & S_IFMT
        if type == S_IFCHR || type == S_IFBLK || type == S_IFSOCK {
            let kind = type == S_IFSOCK ? "socket" : "device node"
            skipped.append(ArchiveMember(name: name, reason: "\(kind) skipped (the container gets the host's /dev)"))
            return
        }
        applyModePolicy(entry, name: name, type: type)
        if MemberPolicy.isRoot(name) { sawRootEntry = true }
        // After the first offender nothing more is written: the tree is discarded anyway.
        guard offenders.isEmpty else { return }

        let header = archive_write_header(writer.handle, entry)
        if header < ARCHIVE_WARN {
            if Self.fatalErrnos.contains(writer.errorNumber) || header == ARCHIVE_FATAL {
                throw StoreError(.archive, step: "extracting member \(name) of", path: archive,
                                 detail: writer.errorMessage, hint: "check free space and permissions under the state directory")
            }
            offenders.append(ArchiveMember(name: name, reason: writer.errorMessage))
            return
        }
        if archive_entry_size(entry) > 0 { try copyData(reader: reader, writer: writer, name: name) }
        if archive_write_finish_entry(writer.handle) < ARCHIVE_WARN {
            throw StoreError(.archive, step: "extracting member \(name) of", path: archive, detail: writer.errorMessage)
        }
        entries += 1
    }

    /// Never writable by group or others; setuid/setgid only when allowed.
    private func applyModePolicy(_ entry: OpaquePointer, name: String, type: mode_t) {
        let perm = archive_entry_perm(entry)
        var kept = perm & ~mode_t(0o022)
        if !options.keepSetuid && perm & mode_t(0o6000) != 0 {
            kept &= ~mode_t(0o6000)
            if type == S_IFREG {
                let bits = [perm & S_ISUID != 0 ? "setuid" : nil, perm & S_ISGID != 0 ? "setgid" : nil]
                modesChanged.append(ArchiveMember(name: name, reason: bits.compactMap { $0 }.joined(separator: " and ") + " bit dropped"))
            }
        }
        if kept != perm { archive_entry_set_perm(entry, kept) }
    }

    private func copyData(reader: ArchiveReader, writer: ArchiveDiskWriter, name: String) throws {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        while true {
            let status = archive_read_data_block(reader.handle, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            if status < ARCHIVE_WARN { throw reader.error(step: "reading member \(name) of") }
            if archive_write_data_block(writer.handle, block, size, offset) < ARCHIVE_WARN {
                throw StoreError(.archive, step: "writing member \(name) of", path: archive, detail: writer.errorMessage,
                                 hint: "check free space under the state directory")
            }
            bytes += Int64(size)
            progress.update(done: reader.bytesRead, total: nil)
        }
    }
}

/// The checks made on member names before libarchive sees them, so the
/// report can say plainly why a member was refused.
enum MemberPolicy {
    /// Why `name` (or its hard-link target) would leave the tree; nil if it stays inside.
    static func escape(name: String, hardlink: String?) -> String? {
        if let reason = escape(path: name, what: "path") { return reason }
        if let hardlink, let reason = escape(path: hardlink, what: "hard link target \(hardlink)") { return reason }
        return nil
    }

    private static func escape(path: String, what: String) -> String? {
        if path.hasPrefix("/") { return "absolute \(what)" }
        if path.split(separator: "/", omittingEmptySubsequences: true).contains("..") {
            return "\(what) contains '..'"
        }
        return nil
    }

    /// The tarball's own top directory: ".", "./" or "".
    static func isRoot(_ name: String) -> Bool {
        name.split(separator: "/").allSatisfy { $0 == "." }
    }
}
