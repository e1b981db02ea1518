import DotslashDigest
import DotslashStore

/// What a language's image reference names on this platform: enough to
/// compute runner ids and to show a plan, without the layers themselves.
public struct ResolvedImage: Sendable, Equatable {
    public var language: String
    /// The reference as the manifest writes it.
    public var reference: String
    public var source: ImageReference
    public var platform: Platform
    /// What the tag (or pinned digest) names: an index, or the manifest itself.
    public var tagDigest: Digest
    /// The platform manifest.
    public var manifestDigest: Digest
    public var configDigest: Digest
    public var config: ImageConfig
    /// The payload tarball built from this manifest before, if any.
    public var payloadDigest: Digest?
    /// True when this came from images.lock without looking at the source.
    public var fromLock: Bool
    /// Set when this call resolved the reference and the lock said
    /// something else before (or nothing): for `apply --update` output.
    public var change: ImageUpdate?
    /// The layers, when the manifest was read in this run.
    var layers: [Descriptor]?

    /// Names the tree `rootfs/<key>`: the platform manifest's hex, known
    /// from the lock alone, so runner ids need no network.
    public var rootfsKey: String { manifestDigest.hex }

    /// The image config's `Env` ("NAME=value"): the container's base environment.
    public var configEnv: [String] { config.env }
}

/// A tag that now names another manifest (or was resolved for the first time).
public struct ImageUpdate: Sendable, Equatable, CustomStringConvertible {
    public var language: String
    public var reference: String
    /// The manifest the lock held before; nil on first resolution.
    public var old: Digest?
    public var new: Digest

    /// "python: python:3.13-slim sha256:0123456789ab -> sha256:abcdef012345".
    public var description: String {
        let from = old.map { "sha256:" + $0.hex.prefix(12) } ?? "(not locked)"
        return "\(language): \(reference) \(from) -> sha256:\(new.hex.prefix(12))"
    }
}

/// An image on disk, ready for a runner.
public struct MaterializedImage: Sendable, Equatable {
    /// `rootfs/<manifest hex>`: the flattened tree.
    public var treePath: String
    /// `blobs/sha256/<hex>`: the flattened tree as a zstd-compressed pax tarball, the runner's payload.
    public var payloadPath: String
    public var payloadDigest: Digest
    /// What was built in this call; nil when the payload was already there.
    public var payload: FlattenedPayload?
    /// The extraction of the tree; nil when the tree was already there.
    public var extraction: ExtractionReport?
}
