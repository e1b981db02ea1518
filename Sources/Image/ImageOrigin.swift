import DotslashDigest
import DotslashStore

/// A manifest or index as it was read, with the digest of its bytes.
struct FetchedDocument {
    var bytes: [UInt8]
    var digest: Digest
    /// The HTTP Content-Type, when the document came over HTTP.
    var contentType: String?
    /// Where it came from (a URL or a path), for messages.
    var location: String
}

/// Where an image's manifests and blobs come from: a registry, an OCI
/// layout directory or an OCI archive. Every implementation verifies what
/// it returns against the digest that names it.
protocol ImageOrigin: AnyObject {
    /// The document the reference names: the tagged (or pinned) manifest or
    /// index, or the layout's only image.
    func rootDocument() throws -> FetchedDocument
    /// The manifest or index `descriptor` names, checked against its digest and size.
    func document(_ descriptor: Descriptor) throws -> FetchedDocument
    /// Puts the blob into the store's `blobs/sha256/` (unless it is there
    /// already), verified while it is copied; returns its path. `role` names
    /// it in messages ("layer 2 of 3").
    @discardableResult
    func fetchBlob(_ descriptor: Descriptor, role: String, into state: StateDirectory) throws -> String
}

/// The limits for documents read into memory.
enum DocumentLimits {
    /// Registries must accept manifests of at least 4 MiB; nobody needs more.
    static let manifestBytes = 4 << 20
    static let configBytes = 16 << 20
}

extension FetchedDocument {
    /// Checks bytes fetched for `descriptor` against its digest and size.
    func verify(against descriptor: Descriptor, reference: String) throws {
        guard digest == descriptor.digest else {
            throw ImageError(.digestMismatch, reference: reference, step: "verifying \(location)",
                             detail: "expected sha256:\(descriptor.digest.hex), got sha256:\(digest.hex)",
                             hint: "the registry or layout serves damaged or tampered content")
        }
        // A negative size: fetched by digest alone, the size is not known.
        guard descriptor.size < 0 || Int64(bytes.count) == descriptor.size else {
            throw ImageError(.digestMismatch, reference: reference, step: "verifying \(location)",
                             detail: "expected \(descriptor.size) bytes, got \(bytes.count)",
                             hint: "the descriptor's size does not match its content")
        }
    }
}
