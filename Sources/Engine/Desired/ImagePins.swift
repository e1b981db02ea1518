import DotslashManifest
import DotslashStore

/// How image references become pinned rootfs keys. Until image sources are
/// wired in, an image language is never pinned.
enum ImagePins {
    static func offline(_ context: EngineContext) -> (Language, String) throws -> PinnedRootfs? {
        { _, _ in nil }
    }
}

extension ImagePins {
    static func online(_ context: EngineContext, update: Bool) -> (Language, String) throws -> PinnedRootfs? {
        { _, _ in nil }
    }
}

extension ImagePins {
    /// Adds the blobs and trees that locked images use.
    static func references(_ context: EngineContext, into keep: inout StoreReferences) {}
}
