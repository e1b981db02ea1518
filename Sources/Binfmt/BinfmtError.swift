#if canImport(Glibc)
import Glibc
#endif

/// What dotslash was doing when a system call failed.
public enum BinfmtStage: Sendable, Hashable {
    case listing
    case reading(entry: String)
    case readingStatus
    case openingRegister
    case registering(entry: String, interpreter: String)
    case removing(entry: String)
    case enabling(entry: String)
    case disabling(entry: String)
    case mounting
    case persisting

    var text: String {
        switch self {
        case .listing: "listing binfmt_misc entries"
        case .reading(let entry): "reading binfmt_misc entry \(entry)"
        case .readingStatus: "reading binfmt_misc status"
        case .openingRegister: "opening binfmt_misc's register file"
        case .registering(let entry, _): "registering binfmt_misc entry \(entry)"
        case .removing(let entry): "removing binfmt_misc entry \(entry)"
        case .enabling(let entry): "enabling binfmt_misc entry \(entry)"
        case .disabling(let entry): "disabling binfmt_misc entry \(entry)"
        case .mounting: "mounting binfmt_misc"
        case .persisting: "writing the binfmt.d file"
        }
    }
}

/// Every way the binfmt_misc library fails. `message` says what and where;
/// `hint` (when there is one) says what to do about it.
public enum BinfmtError: Error, Sendable, Hashable {
    /// An entry can't be written as a register string; `reason` says which rule it breaks.
    case invalidEntry(name: String, reason: String)
    /// The register string would not fit the kernel's buffer.
    case registerStringTooLong(name: String, length: Int, limit: Int)
    /// A file in the binfmt_misc directory is not what the kernel prints.
    case malformedEntryFile(path: String, line: Int, reason: String)
    /// An operation would write an entry dotslash does not own.
    case notOwned(name: String)
    /// Two desired entries share a name.
    case duplicateEntry(name: String)
    /// A system call failed; `path` is the file or directory it was applied to.
    case system(stage: BinfmtStage, path: String, errno: Int32)
    /// After registration the kernel shows something other than what was registered.
    case verificationFailed(name: String, expected: String, actual: String)

    public var message: String {
        switch self {
        case .invalidEntry(let name, let reason):
            return "binfmt_misc entry \(quoted(name)): \(reason)"
        case .registerStringTooLong(let name, let length, let limit):
            return "binfmt_misc entry \(quoted(name)): register string is \(length) bytes, the limit is \(limit)"
        case .malformedEntryFile(let path, let line, let reason):
            return "\(path):\(line): not a binfmt_misc entry: \(reason)"
        case .notOwned(let name):
            return "binfmt_misc entry \(quoted(name)) is not owned by dotslash (its name does not start with \(BinfmtNaming.ownedPrefix)); refusing to change it"
        case .duplicateEntry(let name):
            return "two desired binfmt_misc entries are named \(quoted(name))"
        case .system(let stage, let path, let code):
            return "\(stage.text): \(path): \(errnoText(code))"
        case .verificationFailed(let name, let expected, let actual):
            return "binfmt_misc entry \(name) reads back as \(actual), expected \(expected)"
        }
    }

    public var hint: String? {
        switch self {
        case .invalidEntry:
            return nil
        case .registerStringTooLong:
            return "use a shorter magic or mask, or a shorter interpreter path: the kernel accepts at most 1920 bytes and systemd-binfmt adds a newline"
        case .malformedEntryFile:
            return "is the directory a binfmt_misc mount? check `mount -t binfmt_misc`"
        case .notOwned:
            return "dotslash only writes entries named \(BinfmtNaming.ownedPrefix)*; remove foreign entries with their own tool"
        case .duplicateEntry:
            return "entry names are dotslash-<language>-<extension> and dotslash-<language>-magic<N>; rename a language or an extension so they differ"
        case .system(let stage, let path, let code):
            return Self.systemHint(stage: stage, path: path, errno: code)
        case .verificationFailed:
            return "the kernel normalised the entry differently than expected; please report this"
        }
    }

    private static func systemHint(stage: BinfmtStage, path: String, errno code: Int32) -> String? {
        let needsPrivilege = "needs root, or a user namespace that owns this binfmt_misc mount (Linux >= 6.7, see `dotslash shell`)"
        switch (stage, code) {
        case (.registering(let entry, _), EEXIST):
            return "an entry named \(entry) already exists: remove it first"
        case (.registering, EINVAL):
            return "the kernel rejected the register string as malformed"
        case (.registering(_, let interpreter), ENOENT):
            return "the interpreter \(interpreter) does not exist: with the F flag the kernel opens it at registration"
        case (.registering(_, let interpreter), EACCES):
            return "either the caller may not write \(path) (\(needsPrivilege)) or \(interpreter) is not an executable file on an exec-permitted mount"
        case (.removing(let entry), ENOENT), (.enabling(let entry), ENOENT), (.disabling(let entry), ENOENT),
             (.reading(let entry), ENOENT):
            return "no binfmt_misc entry named \(entry) (it may have been removed meanwhile)"
        case (.listing, ENOENT), (.readingStatus, ENOENT), (.openingRegister, ENOENT):
            return "binfmt_misc is not mounted there: `mount -t binfmt_misc binfmt_misc <dir>` (apply mounts it itself)"
        case (.mounting, ENODEV):
            return "the kernel has no binfmt_misc filesystem: `modprobe binfmt_misc`"
        case (.mounting, ENOENT):
            return "the mount point does not exist"
        case (_, EACCES), (_, EPERM), (_, EROFS):
            return needsPrivilege
        default:
            return nil
        }
    }
}

extension BinfmtError: CustomStringConvertible {
    /// The message, then the hint on its own line.
    public var description: String {
        guard let hint else { return message }
        return "\(message)\nhint: \(hint)"
    }
}

/// `strerror` text with the symbolic name, e.g. `File exists (EEXIST)`.
func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EACCES: "EACCES", EEXIST: "EEXIST", EINVAL: "EINVAL",
        ENODEV: "ENODEV", EROFS: "EROFS", ENAMETOOLONG: "ENAMETOOLONG", EBUSY: "EBUSY",
        ENOTDIR: "ENOTDIR", ENOSPC: "ENOSPC", EIO: "EIO",
    ]
    return names[code].map { "\(text) (\($0))" } ?? "\(text) (errno \(code))"
}

/// Names can hold anything but `/` and NUL; quote them so odd ones stay visible.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7f:
            out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
