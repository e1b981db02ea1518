import DotslashDigest
#if canImport(Glibc)
import Glibc
#endif

/// What the store must keep: everything a manifest or a registration uses.
public struct StoreReferences: Sendable, Equatable {
    public var blobs: Set<Digest>
    public var rootfs: Set<Digest>
    /// File names under runners/, e.g. "python-0123456789abcdef".
    public var runners: Set<String>

    public init(blobs: Set<Digest> = [], rootfs: Set<Digest> = [], runners: Set<String> = []) {
        self.blobs = blobs
        self.rootfs = rootfs
        self.runners = runners
    }
}

/// One unreferenced object.
public struct GarbageItem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case blob, rootfs, runner
        /// Left in tmp/ by an interrupted run.
        case temporary
    }

    public var kind: Kind
    public var path: String
    public var bytes: Int64

    public var description: String { "\(kind.rawValue) \(path) (\(ByteFormat.size(bytes)))" }
}

/// What `collect` found (and, unless it was a dry run, deleted).
public struct GarbageReport: Sendable, Equatable {
    public var items: [GarbageItem]
    public var deleted: Bool
    public var totalBytes: Int64 { items.reduce(0) { $0 + $1.bytes } }

    /// "deleted 3 objects, 120.5 MiB" / "would delete ...".
    public var summary: String {
        let verb = deleted ? "deleted" : "would delete"
        return "\(verb) \(items.count) object\(items.count == 1 ? "" : "s"), \(ByteFormat.size(totalBytes))"
    }
}

/// Deletes store objects nobody references. Names the store does not know
/// (not 64 hex digits under blobs/ and rootfs/) are left alone. Call with
/// the store lock held: everything in tmp/ is then garbage.
public struct GarbageCollector {
    public let state: StateDirectory

    public init(state: StateDirectory) {
        self.state = state
    }

    public func collect(keeping references: StoreReferences, dryRun: Bool) throws -> GarbageReport {
        var items: [GarbageItem] = []
        for name in try FileSystem.entries(of: state.blobsDirectory) {
            guard let digest = Digest(hex: name), name == digest.hex, !references.blobs.contains(digest) else { continue }
            items.append(try item(.blob, state.blobsDirectory + "/" + name))
        }
        for name in try FileSystem.entries(of: state.rootfsDirectory) {
            guard let digest = Digest(hex: name), name == digest.hex, !references.rootfs.contains(digest) else { continue }
            items.append(try item(.rootfs, state.rootfsDirectory + "/" + name))
        }
        for name in try FileSystem.entries(of: state.runnersDirectory) where !references.runners.contains(name) {
            items.append(try item(.runner, state.runnersDirectory + "/" + name))
        }
        for name in try FileSystem.entries(of: state.temporaryDirectory) {
            items.append(try item(.temporary, state.temporaryDirectory + "/" + name))
        }
        if !dryRun {
            for item in items { try delete(item) }
        }
        return GarbageReport(items: items, deleted: !dryRun)
    }

    private func item(_ kind: GarbageItem.Kind, _ path: String) throws -> GarbageItem {
        GarbageItem(kind: kind, path: path, bytes: try TreeRemover.size(of: path))
    }

    /// A tree leaves its final name in one rename (a runner never sees it
    /// half-deleted) and is then removed from tmp/.
    private func delete(_ item: GarbageItem) throws {
        guard item.kind == .rootfs else {
            try TreeRemover.remove(item.path)
            return
        }
        let doomed = state.temporaryDirectory + "/gc-" + FileSystem.lastComponent(item.path) + "." + FileSystem.uniqueSuffix()
        try FileSystem.renameDurably(item.path, to: doomed, step: "moving rootfs away to delete it")
        try TreeRemover.remove(doomed)
    }
}
