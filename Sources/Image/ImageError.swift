/// A failure with an image source: which image, at which step, why, and
/// what to try. `description` reads as one `Error:` line.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The reference itself is malformed.
        case reference
        /// Offline resolution found no entry in images.lock.
        case notLocked
        /// The registry or a token server refused us (401/403).
        case authentication
        /// The registry answered, but not with what we asked for.
        case registry
        /// A manifest, index or config is not valid for us.
        case document
        /// Bytes do not match the digest that names them.
        case digestMismatch
        /// No manifest for the host platform.
        case platform
        /// A layer cannot be applied.
        case layer
        /// An OCI layout or archive on disk is unusable.
        case layout
        /// images.lock cannot be read or written.
        case lock
    }

    public var kind: Kind
    /// The image reference as written in the manifest.
    public var reference: String
    /// What we were doing: "resolving the tag", "fetching blob sha256:...".
    public var step: String
    public var detail: String
    public var hint: String?

    public init(_ kind: Kind, reference: String, step: String, detail: String, hint: String? = nil) {
        self.kind = kind
        self.reference = reference
        self.step = step
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var text = "image \(reference): \(step): \(detail)"
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}
