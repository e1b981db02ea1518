import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation

/// Image sources for `apply` and `diff` (design section 2.1).
///
///     let images = ImageSource(state: state, progress: progress)
///     let resolved = try images.resolve(reference: "python:3.13-slim", language: "python")
///     let ready = try images.materialize(resolved)
///     // ready.treePath, ready.payloadPath, ready.payloadDigest, resolved.configEnv
///
/// `resolve` reads images.lock first: a reference resolved before (for this
/// platform) is answered from it without any I/O beyond the lock. Online,
/// it reads the manifest (and the config) from the registry or layout,
/// records the result in images.lock and returns it. Call with the store
/// lock held, except for `offline` resolution, which writes nothing.
public final class ImageSource {
    public let state: StateDirectory
    public let platform: Platform
    public let downloadOptions: DownloadOptions
    public let progress: ProgressReporter
    public let extraction: ExtractionOptions
    private let credentials: RegistryCredentials
    /// Per run: one resolution per reference, one client (and token) per repository.
    private var resolutions: [String: Resolution] = [:]
    private var origins: [String: ImageOrigin] = [:]
    /// Payloads built or found in this run, by manifest: two languages on one image flatten it once.
    private var payloads: [Digest: Digest] = [:]

    public init(state: StateDirectory, platform: Platform = .host, downloadOptions: DownloadOptions = DownloadOptions(),
                progress: ProgressReporter = SilentProgress(), extraction: ExtractionOptions = .forCurrentUser(),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.state = state
        self.platform = platform
        self.downloadOptions = downloadOptions
        self.progress = progress
        self.extraction = extraction
        credentials = RegistryCredentials(environment: environment)
    }

    /// The brief's entry points, with default settings.
    public static func resolve(reference: String, language: String, stateDirectory: StateDirectory,
                               update: Bool = false, offline: Bool = false) throws -> ResolvedImage {
        try ImageSource(state: stateDirectory).resolve(reference: reference, language: language, update: update, offline: offline)
    }

    public static func materialize(_ resolved: ResolvedImage, store: StateDirectory) throws -> MaterializedImage {
        try ImageSource(state: store).materialize(resolved)
    }

    // MARK: - Resolving

    /// What `reference` names for `language` on this platform.
    ///
    /// - A reference in images.lock (same language, same text, same
    ///   platform) is answered from the lock, unless `update` asks to
    ///   re-resolve an unpinned one. A pinned `@sha256:` never changes.
    /// - `offline` (for `diff`): the lock only; an OCI layout or archive on
    ///   disk is read (no network) but not recorded; a registry image not yet
    ///   locked is an `ImageError` of kind `.notLocked`.
    public func resolve(reference: String, language: String, update: Bool = false, offline: Bool = false) throws -> ResolvedImage {
        let source = try ImageReference(parsing: reference)
        var lock = try ImageLock.load(state)
        let locked = lock.lookup(language: language, reference: reference, platform: platform)
        if let locked, offline || !update || source.isPinned {
            return try resolvedFromLock(locked, language: language, source: source)
        }
        if offline {
            guard source.isLocal else {
                throw ImageError(.notLocked, reference: reference, step: "looking up images.lock",
                                 detail: "not resolved yet for \(platform)", hint: "'dotslash apply' resolves it (needs the network)")
            }
            return try resolveNow(source, reference: reference).resolvedImage(language: language, reference: reference, change: nil)
        }
        let resolution = try resolveNow(source, reference: reference)
        let previous = lock.entries[language]
        var entry = resolution.lockEntry(reference: reference, platform: platform)
        // A payload built from the same manifest stays valid.
        entry.payload = lock.entries.values.first { $0.manifest == entry.manifest && $0.payload != nil }?.payload
        let change = previous?.manifest == entry.manifest && previous?.reference == reference ? nil
            : ImageUpdate(language: language, reference: reference, old: previous?.manifestDigest, new: resolution.manifestDigest)
        if previous != entry {
            lock.record(language: language, entry: entry)
            try lock.save(state)
        }
        var resolved = resolution.resolvedImage(language: language, reference: reference, change: change)
        resolved.payloadDigest = entry.payloadDigest
        return resolved
    }

    private func resolvedFromLock(_ entry: ImageLock.Entry, language: String, source: ImageReference) throws -> ResolvedImage {
        guard let tag = ImageLock.Entry.digest(entry.tagDigest), let manifest = entry.manifestDigest,
              let config = ImageLock.Entry.digest(entry.configDigest) else {
            throw ImageError(.lock, reference: entry.reference, step: "reading images.lock", detail: "the entry for \(language) has malformed digests",
                             hint: "delete the entry or the file to resolve again")
        }
        return ResolvedImage(
            language: language, reference: entry.reference, source: source, platform: platform, tagDigest: tag,
            manifestDigest: manifest, configDigest: config,
            config: ImageConfig(env: entry.config.env, entrypoint: entry.config.entrypoint, cmd: entry.config.cmd,
                                workingDir: entry.config.workingDir),
            payloadDigest: entry.payloadDigest, fromLock: true, change: nil, layers: nil)
    }

    /// Reads the reference's manifests and config now (once per run).
    private func resolveNow(_ source: ImageReference, reference: String) throws -> Resolution {
        let key = source.description
        if let done = resolutions[key] { return done }
        let origin = try self.origin(for: source, reference: reference)
        let resolver = ManifestResolver(origin: origin, platform: platform, reference: reference, state: state)
        let resolution = try resolver.resolve(source: source)
        resolutions[key] = resolution
        return resolution
    }

    private func origin(for source: ImageReference, reference: String) throws -> ImageOrigin {
        let key: String
        switch source {
        case .registry(let image): key = image.domain + "/" + image.repository
        case .layout, .archive: key = source.description
        }
        if let origin = origins[key] { return origin }
        let origin: ImageOrigin
        switch source {
        case .registry(let image):
            origin = RegistryClient(image: image, reference: reference, options: downloadOptions, progress: progress,
                                    credentials: credentials)
        case .layout(let path, let tag):
            origin = LayoutOrigin(storage: LayoutDirectory(root: path, reference: reference, options: downloadOptions, progress: progress),
                                  tag: tag, reference: reference, platform: platform)
        case .archive(let path, let tag):
            origin = LayoutOrigin(storage: LayoutArchive(path: path, reference: reference), tag: tag, reference: reference,
                                  platform: platform)
        }
        origins[key] = origin
        return origin
    }

    // MARK: - Materializing

    /// Puts the image's tree at `rootfs/<manifest hex>` and its payload
    /// tarball in `blobs/`, fetching and flattening only what is missing.
    /// Records the payload digest in images.lock. Call with the store lock held.
    public func materialize(_ resolved: ResolvedImage) throws -> MaterializedImage {
        let key = resolved.rootfsKey
        let treePath = state.rootfsDirectory + "/" + key
        let treeExists = FileManager.default.fileExists(atPath: treePath)
        let blobs = BlobStore(state: state)
        let known = try resolved.payloadDigest ?? payloads[resolved.manifestDigest]
            ?? ImageLock.load(state).entries.values.first { $0.manifestDigest == resolved.manifestDigest && $0.payload != nil }?.payloadDigest
        if let known, try blobs.contains(known) {
            payloads[resolved.manifestDigest] = known
            let extraction = treeExists ? nil
                : try RootfsExtractor(state: state, options: extraction, progress: progress).extract(archive: blobs.path(for: known), key: key)
            return MaterializedImage(treePath: treePath, payloadPath: blobs.path(for: known), payloadDigest: known,
                                     payload: nil, extraction: extraction)
        }
        let origin = try self.origin(for: resolved.source, reference: resolved.reference)
        let layers = try resolved.layers ?? ManifestResolver(origin: origin, platform: platform, reference: resolved.reference, state: state)
            .layers(ofManifest: resolved.manifestDigest)
        var paths: [ImageFlattener.Layer] = []
        for (index, layer) in layers.enumerated() {
            let path = try origin.fetchBlob(layer, role: "layer \(index + 1) of \(layers.count)", into: state)
            paths.append(ImageFlattener.Layer(path: path, digest: layer.digest))
        }
        let payload = try ImageFlattener(state: state, reference: resolved.reference, progress: progress).flatten(paths)
        let extraction = treeExists ? nil
            : try RootfsExtractor(state: state, options: extraction, progress: progress).extract(archive: payload.path, key: key)
        payloads[resolved.manifestDigest] = payload.digest
        try recordPayload(payload.digest, manifest: resolved.manifestDigest)
        return MaterializedImage(treePath: treePath, payloadPath: payload.path, payloadDigest: payload.digest,
                                 payload: payload, extraction: extraction)
    }

    private func recordPayload(_ payload: Digest, manifest: Digest) throws {
        var lock = try ImageLock.load(state)
        var changed = false
        for (language, var entry) in lock.entries where entry.manifestDigest == manifest && entry.payloadDigest != payload {
            entry.payload = "sha256:" + payload.hex
            lock.record(language: language, entry: entry)
            changed = true
        }
        if changed { try lock.save(state) }
    }
}
