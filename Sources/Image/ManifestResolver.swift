import DotslashDigest
import DotslashStore
#if canImport(Glibc)
import Glibc
#endif

/// What resolving a reference found: the platform manifest and its config.
struct Resolution {
    var source: ImageReference
    var tagDigest: Digest
    var manifestDigest: Digest
    var configDigest: Digest
    var config: ImageConfig
    var layers: [Descriptor]
    /// The platform the manifest was chosen for.
    var platform: Platform

    func lockEntry(reference: String, platform: Platform) -> ImageLock.Entry {
        ImageLock.Entry(
            reference: reference, resolved: source.description, platform: platform.description,
            tagDigest: "sha256:" + tagDigest.hex, manifest: "sha256:" + manifestDigest.hex,
            configDigest: "sha256:" + configDigest.hex,
            config: .init(env: config.env, entrypoint: config.entrypoint, cmd: config.cmd, workingDir: config.workingDir))
    }

    func resolvedImage(language: String, reference: String, change: ImageUpdate?) -> ResolvedImage {
        ResolvedImage(language: language, reference: reference, source: source, platform: platform,
                      tagDigest: tagDigest, manifestDigest: manifestDigest, configDigest: configDigest, config: config,
                      payloadDigest: nil, fromLock: false, change: change, layers: layers)
    }
}

/// Walks from what a reference names to the platform manifest: through
/// indexes and manifest lists (nested ones too), checking every document
/// against the digest that names it, then fetches the config.
struct ManifestResolver {
    let origin: ImageOrigin
    let platform: Platform
    let reference: String
    let state: StateDirectory

    /// Indexes of indexes exist (a layout's index.json pointing at a pushed
    /// index); deeper nesting is a loop or an attack.
    static let maxDepth = 4

    func resolve(source: ImageReference) throws -> Resolution {
        var document = try origin.rootDocument()
        let tagDigest = document.digest
        for _ in 0...Self.maxDepth {
            let (parsed, _) = try ManifestDocument.parse(document.bytes, contentType: document.contentType,
                                                         what: "the manifest at \(document.location)", reference: reference)
            switch parsed {
            case .index(let entries):
                document = try origin.document(try PlatformSelector.select(entries, for: platform, reference: reference))
            case .manifest(let configDescriptor, let layers):
                try check(configDescriptor, layers: layers, at: document.location)
                try keep(document)
                let config = try readConfig(configDescriptor)
                return Resolution(source: source, tagDigest: tagDigest, manifestDigest: document.digest,
                                  configDigest: configDescriptor.digest, config: config, layers: layers, platform: platform)
            }
        }
        throw ImageError(.document, reference: reference, step: "resolving the manifest",
                         detail: "indexes nest deeper than \(Self.maxDepth) levels", hint: "the image index refers to itself")
    }

    /// The layers of a manifest resolved earlier: from the store's copy when
    /// it is there, else fetched again by digest.
    func layers(ofManifest digest: Digest) throws -> [Descriptor] {
        let blobs = BlobStore(state: state)
        let document: FetchedDocument
        if try blobs.contains(digest), let bytes = try? Self.readFile(blobs.path(for: digest), limit: DocumentLimits.manifestBytes),
           SHA256.hash(bytes) == digest {
            document = FetchedDocument(bytes: bytes, digest: digest, contentType: nil, location: blobs.path(for: digest))
        } else {
            document = try origin.document(Descriptor(mediaType: "", digest: digest, size: -1))
            try keep(document)
        }
        let (parsed, _) = try ManifestDocument.parse(document.bytes, contentType: document.contentType,
                                                     what: "the manifest at \(document.location)", reference: reference)
        guard case .manifest(let config, let layers) = parsed else {
            throw ImageError(.document, reference: reference, step: "reading manifest sha256:\(digest.hex)",
                             detail: "images.lock names an index, not a platform manifest", hint: "delete images.lock to resolve again")
        }
        try check(config, layers: layers, at: document.location)
        return layers
    }

    /// Only container images: an image config and tar layers.
    private func check(_ config: Descriptor, layers: [Descriptor], at location: String) throws {
        guard MediaType.isConfig(config.mediaType) else {
            throw ImageError(.document, reference: reference, step: "reading the manifest at \(location)",
                             detail: "config media type '\(config.mediaType)' is not a container image config",
                             hint: "this reference names an artifact (a chart, a signature, ...) rather than a container image")
        }
        for (index, layer) in layers.enumerated() where !MediaType.isLayer(layer.mediaType) {
            let foreign = layer.mediaType.contains("nondistributable") || layer.mediaType.contains("foreign")
            throw ImageError(.document, reference: reference, step: "reading the manifest at \(location)",
                             detail: "layer \(index + 1) has media type '\(layer.mediaType)', not a tar, tar+gzip or tar+zstd layer",
                             hint: foreign ? "non-distributable layers are Windows base layers; use a Linux image" : nil)
        }
    }

    /// Keeps the platform manifest in blobs/ so a later run can find its
    /// layers without the network.
    private func keep(_ document: FetchedDocument) throws {
        guard try !BlobStore(state: state).contains(document.digest) else { return }
        let blob = try TemporaryBlob(state: state, label: "image-manifest")
        try blob.write(document.bytes)
        _ = try blob.publish(expected: document.digest) { actual in
            ImageError(.digestMismatch, reference: reference, step: "storing the manifest",
                       detail: "expected sha256:\(document.digest.hex), wrote sha256:\(actual.hex)")
        }
    }

    private func readConfig(_ descriptor: Descriptor) throws -> ImageConfig {
        guard descriptor.size <= DocumentLimits.configBytes else {
            throw ImageError(.document, reference: reference, step: "reading the image config",
                             detail: "the config is \(descriptor.size) bytes, more than the \(DocumentLimits.configBytes) allowed")
        }
        let path = try origin.fetchBlob(descriptor, role: "the image config", into: state)
        let bytes: [UInt8]
        do {
            bytes = try Self.readFile(path, limit: DocumentLimits.configBytes)
        } catch {
            throw ImageError(.document, reference: reference, step: "reading the image config", detail: "\(path): \(error)")
        }
        let config = try ImageConfig.parse(bytes, reference: reference)
        if let built = config.platform, platform.rank(built) == nil, built.os != "" {
            throw ImageError(.platform, reference: reference, step: "checking the image config",
                             detail: "the image is built for \(built), this machine is \(platform)",
                             hint: "pick an image (or a tag) that is published for \(platform)")
        }
        return config
    }

    static func readFile(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.system("opening", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError.system("reading", path)
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else {
                throw StoreError(.archive, step: "reading", path: path, detail: "larger than \(limit) bytes")
            }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }
}
