#if canImport(Glibc)
import Glibc
#endif

/// Everything that can be wrong with a runner file or with the settings
/// written into it. Each case renders as one sentence that names the file
/// part and the problem, for `dotslash-runner: LANG: read trailer: ...`.
public enum RunnerFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `step` says what we were doing.
    case system(step: String, errno: Int32)
    /// The file is shorter than the trailer says it must be.
    case truncated(String)
    /// The last bytes are not a dotslash trailer.
    case noTrailer
    /// A trailer of a format this build cannot read.
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// An offset or length that points outside the file.
    case outOfRange(String)
    /// The settings bytes do not hash to the digest in the trailer.
    case settingsDigestMismatch
    /// The settings bytes are malformed.
    case corruptSettings(String)
    /// Well-formed settings whose values break a rule.
    case invalidSettings(String)
    /// The stub given to the writer already carries a payload.
    case stubHasPayload(String)

    public var description: String {
        switch self {
        case .system(let step, let code):
            return "\(step): \(String(cString: strerror(code)))"
        case .truncated(let what):
            return "the file is truncated: \(what)"
        case .noTrailer:
            return "no dotslash trailer at the end of the file (not a runner, or a plain stub without a payload)"
        case .unsupportedVersion(let found, let supported):
            return "trailer format version \(found) is not supported (this build reads version \(supported))"
        case .outOfRange(let what):
            return "trailer points outside the file: \(what)"
        case .settingsDigestMismatch:
            return "the runtime settings do not match their digest in the trailer (the file is corrupt or was altered)"
        case .corruptSettings(let what):
            return "corrupt runtime settings: \(what)"
        case .invalidSettings(let what):
            return "invalid runtime settings: \(what)"
        case .stubHasPayload(let path):
            return "\(path) already carries a payload; use the plain dotslash-runner stub"
        }
    }
}
