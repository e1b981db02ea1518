import DotslashDigest

/// The value rules of design section 1. Each returns nil when the value is
/// acceptable, else the message for a diagnostic.
enum Rules {
    static let maximumMagicLength = 256
    /// The kernel reads the first 256 bytes (BINPRM_BUF_SIZE) to match magic.
    static let kernelBufferSize = 256

    static func languageName(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 32
            && isLowerAlphanumeric(bytes[0])
            && bytes.dropFirst().allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        if valid { return nil }
        if bytes.count > 32 { return "language name '\(name)' is longer than 32 characters" }
        if name.lowercased() != name, languageName(name.lowercased()) == nil {
            return "language name '\(name)' must be lower case; write '\(name.lowercased())'"
        }
        return "language name '\(name)' must start with a lower-case letter or digit and hold only a-z, 0-9, '_' and '-' (at most 32)"
    }

    static func fileExtension(_ ext: String) -> String? {
        if ext.hasPrefix("."), !ext.dropFirst().contains("."), fileExtension(String(ext.dropFirst())) == nil {
            return "extension '\(ext)' starts with a dot; write '\(ext.dropFirst())'"
        }
        if ext.contains(".") {
            let last = ext.split(separator: ".").last.map(String.init) ?? ""
            return "extension '\(ext)' contains a dot; the kernel matches only the text after the last dot, so it could never match (write '\(last)')"
        }
        if ext.isEmpty || ext.utf8.count > 32 {
            return "extension '\(ext)' must be 1 to 32 characters long"
        }
        let valid = ext.utf8.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
        }
        return valid ? nil : "extension '\(ext)' may hold only letters, digits, '_', '+' and '-'"
    }

    /// Parses magic or mask hex: pairs of hex digits, spaces allowed anywhere.
    static func hexBytes(_ text: String, what: String) -> Result<[UInt8], RuleError> {
        var digits: [UInt8] = []
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "\t" { continue }
            guard scalar.isASCII, let value = Hex.value(UInt8(scalar.value)) else {
                return .failure(RuleError("\(what) '\(text)' holds '\(scalar)', which is not a hex digit"))
            }
            digits.append(value)
        }
        guard digits.count % 2 == 0 else {
            return .failure(RuleError("\(what) '\(text)' has an odd number of hex digits (\(digits.count)); write whole bytes such as '0a'"))
        }
        let bytes = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
        guard (1...maximumMagicLength).contains(bytes.count) else {
            return .failure(RuleError("\(what) must be 1 to \(maximumMagicLength) bytes long, not \(bytes.count)"))
        }
        return .success(bytes)
    }

    /// The checks on a whole magic rule once its parts parsed.
    static func magic(_ rule: MagicRule) -> String? {
        if rule.offset < 0 || rule.offset + rule.bytes.count > kernelBufferSize {
            return "magic offset \(rule.offset) with \(rule.bytes.count) bytes reaches past the first \(kernelBufferSize) bytes the kernel reads; offset must be between 0 and \(kernelBufferSize - rule.bytes.count)"
        }
        let mask = rule.mask ?? [UInt8](repeating: 0xff, count: rule.bytes.count)
        if zip(rule.bytes, mask).allSatisfy({ _, bit in bit == 0 }) {
            return "magic matches every file: its mask is all zero bytes"
        }
        if couldMatch(rule, mask: mask, prefix: [0x7f, 0x45, 0x4c, 0x46]) {
            return "magic would match ELF executables (7f 45 4c 46), the runner among them; the kernel would loop (ELOOP)"
        }
        if couldMatch(rule, mask: mask, prefix: [0x23, 0x21]) {
            return "magic would match every '#!' script; use extensions or the shebang policy instead"
        }
        return nil
    }

    /// True when the rule overlaps `prefix` and agrees with it there, so some
    /// file starting with `prefix` matches.
    static func couldMatch(_ rule: MagicRule, mask: [UInt8], prefix: [UInt8]) -> Bool {
        var overlaps = false
        for (index, byte) in rule.bytes.enumerated() {
            let position = rule.offset + index
            guard position < prefix.count else { break }
            overlaps = true
            if byte & mask[index] != prefix[position] & mask[index] { return false }
        }
        return overlaps
    }

    static func sha256(_ text: String) -> String? {
        if text.hasPrefix("sha256:") {
            return "sha256 is written without the 'sha256:' prefix: '\(text.dropFirst(7))'"
        }
        let bytes = Array(text.utf8)
        guard bytes.count == 64, bytes.allSatisfy({ Hex.value($0) != nil }) else {
            return "sha256 must be exactly 64 hex digits; '\(text)' has \(bytes.count) characters\(bytes.allSatisfy { Hex.value($0) != nil } ? "" : ", not all of them hex digits")"
        }
        return nil
    }

    static func url(_ text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else {
            return "rootfs url '\(text)' has no scheme; write http://, https:// or file://"
        }
        let scheme = text[..<colon].lowercased()
        guard ["http", "https", "file"].contains(scheme) else {
            return "rootfs url scheme '\(scheme)' is not supported; use http, https or file"
        }
        guard text.dropFirst(scheme.count + 1).hasPrefix("//") else {
            return "rootfs url '\(text)' must start with '\(scheme)://'"
        }
        if text.contains(where: { $0.isWhitespace || $0 == "\0" }) {
            return "rootfs url '\(text)' contains white space; percent-encode it (%20)"
        }
        if scheme == "file", !text.dropFirst(7).hasPrefix("/") {
            return "a file url needs an absolute path: 'file:///path/to/rootfs.tar'"
        }
        if scheme != "file", text.dropFirst(scheme.count + 3).isEmpty {
            return "rootfs url '\(text)' has no host"
        }
        return nil
    }

    /// An absolute path without `.`/`..` components, repeated or trailing slashes.
    static func isNormalisedAbsolutePath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path != "/", !path.hasSuffix("/"), !path.contains("\0") else { return false }
        return !path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).contains {
            $0.isEmpty || $0 == "." || $0 == ".."
        }
    }

    static func environmentName(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty
            && (isAlpha(bytes[0]) || bytes[0] == UInt8(ascii: "_"))
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") }
        return valid ? nil : "environment variable name '\(name)' must match [A-Za-z_][A-Za-z0-9_]*"
    }

    static func mount(_ text: String) -> Result<Mount, RuleError> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            return .failure(RuleError("mount '\(text)' must be HOST:CONTAINER or HOST:CONTAINER:ro"))
        }
        var readOnly = false
        if parts.count == 3 {
            switch parts[2] {
            case "ro": readOnly = true
            case "rw": readOnly = false
            default: return .failure(RuleError("mount option '\(parts[2])' in '\(text)' must be 'ro' or 'rw'"))
            }
        }
        for path in parts.prefix(2) where !isNormalisedAbsolutePath(path) {
            return .failure(RuleError("mount '\(text)': '\(path)' must be an absolute path without '.', '..' or trailing '/'"))
        }
        return .success(Mount(hostPath: parts[0], containerPath: parts[1], readOnly: readOnly))
    }

    private static func isAlpha(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        isAlpha(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }

    private static func isLowerAlphanumeric(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }
}

struct RuleError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension Rules {
    /// A first check of an image reference (design section 2.1); the image
    /// source resolves it fully.
    static func imageReference(_ reference: String) -> String? {
        if reference.isEmpty { return "rootfs 'image' is empty; write e.g. 'python:3.13-slim'" }
        if reference.contains(where: { $0.isWhitespace || $0 == "\0" }) {
            return "image reference '\(reference)' contains white space"
        }
        for prefix in ["oci:", "oci-archive:"] where reference.hasPrefix(prefix) {
            let path = reference.dropFirst(prefix.count)
            return path.hasPrefix("/") ? nil : "image '\(reference)' needs an absolute path after '\(prefix)'"
        }
        var name = Substring(reference)
        if let at = name.firstIndex(of: "@") {
            let digest = name[name.index(after: at)...]
            guard digest.hasPrefix("sha256:"), sha256(String(digest.dropFirst(7))) == nil else {
                return "image digest '\(digest)' must be 'sha256:' followed by 64 hex digits"
            }
            name = name[..<at]
        }
        // A tag follows the last ':' that comes after the last '/'.
        let lastSlash = name.lastIndex(of: "/") ?? name.startIndex
        if let colon = name[lastSlash...].lastIndex(of: ":") {
            let tag = name[name.index(after: colon)...]
            let tagValid = !tag.isEmpty && tag.count <= 128 && tag.first != "." && tag.first != "-"
                && tag.utf8.allSatisfy { isAlphanumericASCII($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
            if !tagValid { return "image tag '\(tag)' may hold only letters, digits, '_', '.' and '-' (at most 128)" }
            name = name[..<colon]
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        for (index, component) in components.enumerated() {
            // The first component may be a registry host[:port].
            if index == 0, components.count > 1, component.contains(".") || component.contains(":") || component == "localhost" {
                continue
            }
            let valid = !component.isEmpty && component.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
            if !valid {
                return "image name '\(name)' must be lower-case letters, digits and '._-' separated by '/'"
            }
        }
        return nil
    }

    private static func isAlphanumericASCII(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }
}
