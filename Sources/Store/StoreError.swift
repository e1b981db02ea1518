#if canImport(Glibc)
import Glibc
#endif

/// A failure in the store: what we were doing (`step`), on which path, why,
/// and how to fix it. `description` is one `Error:`-ready sentence; hostile
/// archives add one indented line per offending member.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A system call failed with this errno.
        case system(errno: Int32)
        /// The store (or a tree in it) is not safe to use: wrong owner or writable by others.
        case unsafePermissions
        /// An archive tried to write outside its tree; nothing was kept.
        case hostileArchive(offenders: [ArchiveMember])
        /// libarchive could not read or write an archive.
        case archive
        /// Something the caller asked for is not in the store.
        case missing
        /// The environment does not say where the store is.
        case noLocation
    }

    public var kind: Kind
    public var step: String
    public var path: String
    public var detail: String
    public var hint: String?

    public init(_ kind: Kind, step: String, path: String, detail: String, hint: String? = nil) {
        self.kind = kind
        self.step = step
        self.path = path
        self.detail = detail
        self.hint = hint
    }

    /// A failed system call: the step, the path and the errno text.
    public static func system(_ step: String, _ path: String, errno code: Int32 = errno, hint: String? = nil) -> StoreError {
        StoreError(.system(errno: code), step: step, path: path, detail: String(cString: strerror(code)), hint: hint)
    }

    public var description: String {
        var text = "\(step) \(path): \(detail)"
        if let hint { text += " (hint: \(hint))" }
        if case .hostileArchive(let offenders) = kind {
            let shown = offenders.prefix(20)
            for member in shown { text += "\n  \(member)" }
            if offenders.count > shown.count { text += "\n  ... and \(offenders.count - shown.count) more" }
        }
        return text
    }
}

/// One archive member that was refused or changed, and why.
public struct ArchiveMember: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "\(name): \(reason)" }
}
