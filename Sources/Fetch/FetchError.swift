import DotslashDigest

/// A download that failed: which URL, at which step, why, and what to try.
/// `description` reads as one `Error:` line.
public struct FetchError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Step: Sendable, Equatable, CustomStringConvertible {
        case connect
        case httpStatus(Int)
        case timeout
        case redirect
        case tls
        case read
        case digest(expected: Digest, actual: Digest)
        case size(expected: Int64, actual: Int64)
        case write
        case transfer

        public var description: String {
            switch self {
            case .connect: return "connect"
            case .httpStatus(let code): return "HTTP status \(code)"
            case .timeout: return "timeout"
            case .redirect: return "redirect"
            case .tls: return "TLS"
            case .read: return "read"
            case .digest: return "digest"
            case .size: return "size"
            case .write: return "write"
            case .transfer: return "transfer"
            }
        }
    }

    public var url: String
    public var step: Step
    public var detail: String
    public var hint: String
    /// How many attempts were made before giving up.
    public var attempts: Int

    public init(url: String, step: Step, detail: String, hint: String, attempts: Int = 1) {
        self.url = url
        self.step = step
        self.detail = detail
        self.hint = hint
        self.attempts = attempts
    }

    public var description: String {
        let tries = attempts > 1 ? " (after \(attempts) attempts)" : ""
        return "cannot fetch \(url): \(step): \(detail)\(tries) (hint: \(hint))"
    }

    static func digestMismatch(url: String, expected: Digest, actual: Digest) -> FetchError {
        FetchError(
            url: url, step: .digest(expected: expected, actual: actual),
            detail: "sha256 mismatch: expected \(expected.hex), got \(actual.hex); the download was deleted",
            hint: "the file at the URL changed, or rootfs.sha256 in the manifest is wrong")
    }
}
