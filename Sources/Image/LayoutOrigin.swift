import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation

/// The files of an OCI image layout (`oci-layout`, `index.json`,
/// `blobs/sha256/<hex>`), in a directory or in a tar of one.
protocol LayoutStorage {
    /// The directory or archive, for messages.
    var location: String { get }
    /// The member's bytes, or nil when the layout has no such file.
    func read(_ member: String, limit: Int) throws -> [UInt8]?
    /// Copies `blobs/sha256/<hex>` into the store, verified.
    func copyBlob(_ descriptor: Descriptor, role: String, into state: StateDirectory) throws -> String
}

/// An image in an OCI layout (`oci:` and `oci-archive:` references). The
/// tag selects the entry of index.json whose
/// `org.opencontainers.image.ref.name` annotation equals it; without a tag
/// the layout must hold one image (or one per platform).
final class LayoutOrigin: ImageOrigin {
    let storage: LayoutStorage
    let tag: String?
    let reference: String
    let platform: Platform

    init(storage: LayoutStorage, tag: String?, reference: String, platform: Platform) {
        self.storage = storage
        self.tag = tag
        self.reference = reference
        self.platform = platform
    }

    private func fail(_ step: String, _ detail: String, _ hint: String? = nil) -> ImageError {
        ImageError(.layout, reference: reference, step: step, detail: detail, hint: hint)
    }

    func rootDocument() throws -> FetchedDocument {
        guard let marker = try storage.read("oci-layout", limit: 1 << 16) else {
            throw fail("reading \(storage.location)", "there is no 'oci-layout' file: this is not an OCI image layout",
                       "write one with 'skopeo copy docker://IMAGE oci:\(storage.location)' (or oci-archive:)")
        }
        let version = ((try? JSONSerialization.jsonObject(with: Data(marker))) as? [String: Any])?["imageLayoutVersion"] as? String
        guard version?.hasPrefix("1.") == true else {
            throw fail("reading \(storage.location)/oci-layout", "imageLayoutVersion is \(version.map { "'\($0)'" } ?? "missing"), expected 1.x")
        }
        guard let indexBytes = try storage.read("index.json", limit: DocumentLimits.manifestBytes) else {
            throw fail("reading \(storage.location)", "there is no index.json")
        }
        let (parsed, _) = try ManifestDocument.parse(indexBytes, contentType: MediaType.ociIndex,
                                                     what: "\(storage.location)/index.json", reference: reference)
        guard case .index(let entries) = parsed else {
            throw fail("reading \(storage.location)/index.json", "index.json is not an image index")
        }
        return try document(try select(entries))
    }

    private func select(_ entries: [Descriptor]) throws -> Descriptor {
        let names = entries.compactMap { $0.annotations[Descriptor.refNameAnnotation] }
        guard let tag else {
            if entries.count == 1 { return entries[0] }
            if !entries.isEmpty, entries.allSatisfy({ $0.platform != nil }) {
                return try PlatformSelector.select(entries, for: platform, reference: reference)
            }
            throw fail("choosing an image in \(storage.location)",
                       entries.isEmpty ? "index.json lists no image" : "index.json lists \(entries.count) images",
                       names.isEmpty ? nil : "name one with ':TAG' after the path; tags: \(Set(names).sorted().joined(separator: ", "))")
        }
        let matches = entries.filter { $0.annotations[Descriptor.refNameAnnotation] == tag }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { return try PlatformSelector.select(matches, for: platform, reference: reference) }
        throw fail("choosing an image in \(storage.location)", "no image is tagged '\(tag)'",
                   names.isEmpty ? "the layout's images carry no tags; drop ':\(tag)'" : "tags: \(Set(names).sorted().joined(separator: ", "))")
    }

    func document(_ descriptor: Descriptor) throws -> FetchedDocument {
        let member = "blobs/sha256/" + descriptor.digest.hex
        guard descriptor.size <= DocumentLimits.manifestBytes else {
            throw fail("reading \(storage.location)/\(member)", "a manifest of \(descriptor.size) bytes is larger than the 4 MiB limit")
        }
        guard let bytes = try storage.read(member, limit: DocumentLimits.manifestBytes) else {
            throw fail("reading \(storage.location)", "the blob \(member) is missing", "the layout is incomplete; copy it again")
        }
        let document = FetchedDocument(bytes: bytes, digest: SHA256.hash(bytes), contentType: descriptor.mediaType,
                                       location: storage.location + "/" + member)
        try document.verify(against: descriptor, reference: reference)
        return document
    }

    func fetchBlob(_ descriptor: Descriptor, role: String, into state: StateDirectory) throws -> String {
        let blobs = BlobStore(state: state)
        if try blobs.contains(descriptor.digest, size: descriptor.size) { return blobs.path(for: descriptor.digest) }
        return try storage.copyBlob(descriptor, role: role, into: state)
    }
}

/// A layout directory (`oci:`). Blobs are copied by the downloader, which
/// verifies their digest as it copies.
struct LayoutDirectory: LayoutStorage {
    let root: String
    let reference: String
    let options: DownloadOptions
    let progress: ProgressReporter

    var location: String { root }

    func read(_ member: String, limit: Int) throws -> [UInt8]? {
        let path = root + "/" + member
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limit else {
            throw ImageError(.layout, reference: reference, step: "reading \(path)", detail: "larger than \(limit) bytes")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ImageError(.layout, reference: reference, step: "reading \(path)", detail: error.localizedDescription)
        }
    }

    func copyBlob(_ descriptor: Descriptor, role: String, into state: StateDirectory) throws -> String {
        let path = root + "/blobs/sha256/" + descriptor.digest.hex
        do {
            return try Downloader(options: options, progress: progress)
                .fetch(url: URL(fileURLWithPath: path).absoluteString, expectedSHA256: descriptor.digest,
                       expectedSize: descriptor.size, into: state)
        } catch let error as FetchError {
            let kind: ImageError.Kind
            if case .digest = error.step { kind = .digestMismatch } else { kind = .layout }
            throw ImageError(kind, reference: reference, step: "copying \(role) \(descriptor.digestString)", detail: error.description)
        }
    }
}

/// A tar of a layout (`oci-archive:`), read in place: each blob streams
/// from its member into the store, hashed on the way.
struct LayoutArchive: LayoutStorage {
    let path: String
    let reference: String

    var location: String { path }

    /// Reads members in one pass, handing each wanted one to `body`.
    private func scan(for member: String, _ body: (ArchiveInput) throws -> Void) throws -> Bool {
        let input = try ArchiveInput(path: path, what: "the OCI archive", reference: reference)
        do {
            while let entry = try input.next() {
                guard let raw = ArchiveInput.pathname(entry), MemberName.normalised(raw) == member else { continue }
                try body(input)
                return true
            }
        } catch let error as ArchiveInputError {
            throw ImageError(.layout, reference: reference, step: "reading \(path)", detail: error.message,
                             hint: "the archive is damaged or not a tar of an OCI layout")
        }
        return false
    }

    func read(_ member: String, limit: Int) throws -> [UInt8]? {
        var bytes: [UInt8]?
        guard try scan(for: member, { bytes = try $0.readAll(limit: limit) }) else { return nil }
        return bytes
    }

    func copyBlob(_ descriptor: Descriptor, role: String, into state: StateDirectory) throws -> String {
        let member = "blobs/sha256/" + descriptor.digest.hex
        var published: String?
        let found = try scan(for: member) { input in
            let blob = try TemporaryBlob(state: state, label: "image-blob-" + descriptor.digest.hex)
            try input.readData { try blob.write($0) }
            guard blob.size == descriptor.size else {
                throw ImageError(.digestMismatch, reference: reference, step: "copying \(role) \(descriptor.digestString)",
                                 detail: "\(path) member \(member) has \(blob.size) bytes, the manifest says \(descriptor.size); nothing was stored")
            }
            published = try blob.publish(expected: descriptor.digest) { actual in
                ImageError(.digestMismatch, reference: reference, step: "copying \(role) \(descriptor.digestString)",
                           detail: "\(path) member \(member) has sha256 \(actual.hex), expected \(descriptor.digest.hex); nothing was stored",
                           hint: "the archive is damaged or was tampered with")
            }.path
        }
        guard found, let published else {
            throw ImageError(.layout, reference: reference, step: "copying \(role)", detail: "\(path) has no member \(member)",
                             hint: "the archive is incomplete; write it again")
        }
        return published
    }
}
