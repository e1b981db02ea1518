import DotslashFetch
import DotslashImage
import DotslashManifest
import DotslashStore

/// The image sources of one command run (design section 2.1): one
/// `ImageSource`, so each reference is resolved, and each image flattened,
/// once however many languages use it.
final class ImageSession {
    let context: EngineContext
    private var source: ImageSource?
    private(set) var resolved: [String: ResolvedImage] = [:]

    init(context: EngineContext) {
        self.context = context
    }

    private func images() throws -> ImageSource {
        if let source { return source }
        let options: DownloadOptions
        do {
            options = try DownloadOptions.fromEnvironment(context.environment)
        } catch {
            throw EngineError(step: "reading download settings", message: "\(error)")
        }
        let made = ImageSource(state: context.state, downloadOptions: options, progress: context.output.progress(),
                               environment: context.environment)
        source = made
        return made
    }

    /// From images.lock only (and local `oci:` sources): no network. An
    /// image never resolved is not pinned yet.
    func pinOffline(_ language: Language, _ reference: String) throws -> PinnedRootfs? {
        do {
            return pin(try images().resolve(reference: reference, language: language.name, offline: true))
        } catch let error as ImageError where error.kind == .notLocked {
            return nil
        }
    }

    /// Resolves through the registry when the lock does not say (or when
    /// `update` asks for every tag again), printing each change of digest.
    func pinOnline(_ language: Language, _ reference: String, update: Bool) throws -> PinnedRootfs? {
        let image = try images().resolve(reference: reference, language: language.name, update: update, offline: false)
        if let change = image.change, update || change.old != nil {
            context.output.out("\(change)\n")
        }
        return pin(image)
    }

    private func pin(_ image: ResolvedImage) -> PinnedRootfs {
        resolved[image.language] = image
        return PinnedRootfs(source: .image(reference: image.reference, environment: image.config.env), key: image.manifestDigest)
    }

    /// Fetches and flattens the image into `rootfs/<manifest hex>` and its
    /// payload tarball; returns the payload's path.
    func materialize(language: String) throws -> String {
        guard let image = resolved[language] else {
            throw EngineError(step: "materializing the image", message: "language '\(language)' was not resolved")
        }
        let ready = try images().materialize(image)
        if let payload = ready.payload, !payload.skipped.isEmpty {
            context.output.err("\(language): \(payload.skipped.count) members of the image were left out for safety\n")
        }
        return ready.payloadPath
    }

    /// The payload of an image materialized before (recorded in images.lock).
    func payloadPath(language: String) -> String? {
        guard let digest = resolved[language]?.payloadDigest ?? (try? ImageLock.load(context.state))?.entries[language]?.payloadDigest
        else { return nil }
        return context.state.blobPath(digest)
    }

    /// For gc: forget languages no longer in the manifests, then keep what
    /// the remaining locked images use.
    static func references(_ context: EngineContext, languages: [String], into keep: inout StoreReferences) throws {
        var lock = try ImageLock.load(context.state)
        let before = lock.entries.count
        lock.retain(languages: Set(languages))
        if lock.entries.count != before { try lock.save(context.state) }
        keep.blobs.formUnion(lock.referencedBlobs)
        keep.rootfs.formUnion(lock.referencedTrees)
    }
}
