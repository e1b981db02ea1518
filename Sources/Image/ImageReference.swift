import DotslashDigest

/// Where an image comes from (design section 2.1): a registry, an OCI
/// layout directory or an OCI archive (a tar of such a directory).
public enum ImageReference: Sendable, Equatable, CustomStringConvertible {
    case registry(RegistryImage)
    /// `oci:/path/to/layout[:tag]`
    case layout(path: String, tag: String?)
    /// `oci-archive:/path/to/file.tar[:tag]`
    case archive(path: String, tag: String?)

    /// Parses a reference as written in a manifest; the error names the
    /// part that is wrong and shows a correct form.
    public init(parsing text: String) throws {
        func fail(_ detail: String, _ hint: String) -> ImageError {
            ImageError(.reference, reference: text, step: "parsing the reference", detail: detail, hint: hint)
        }
        for (prefix, isArchive) in [("oci:", false), ("oci-archive:", true)] where text.hasPrefix(prefix) {
            let (path, tag) = Self.splitTag(String(text.dropFirst(prefix.count)))
            guard path.hasPrefix("/") else {
                throw fail("'\(prefix)' needs an absolute path", "write e.g. '\(prefix)/srv/images/python\(isArchive ? ".tar" : ""):3.13'")
            }
            if let tag, tag.isEmpty { throw fail("the tag after the last ':' is empty", "drop the ':' or name a tag") }
            self = isArchive ? .archive(path: path, tag: tag) : .layout(path: path, tag: tag)
            return
        }
        self = .registry(try RegistryImage(parsing: text))
    }

    /// A `@sha256:` reference names its content: it never resolves to anything else.
    public var isPinned: Bool {
        if case .registry(let image) = self { return image.digest != nil }
        return false
    }

    /// True for layouts and archives on disk: resolving them needs no network.
    public var isLocal: Bool {
        if case .registry = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .registry(let image): return image.canonical
        case .layout(let path, let tag): return "oci:" + path + (tag.map { ":" + $0 } ?? "")
        case .archive(let path, let tag): return "oci-archive:" + path + (tag.map { ":" + $0 } ?? "")
        }
    }

    /// Splits "path:tag" at the last ':' that follows the last '/'.
    static func splitTag(_ text: String) -> (String, String?) {
        let lastSlash = text.lastIndex(of: "/") ?? text.startIndex
        guard let colon = text[lastSlash...].lastIndex(of: ":") else { return (text, nil) }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// An image in a registry: `[host[:port]/]path[:tag][@sha256:<hex>]`,
/// normalised as docker does (`python` is `docker.io/library/python:latest`).
public struct RegistryImage: Sendable, Equatable {
    /// "docker.io", "ghcr.io", "127.0.0.1:5000", "[::1]:5000".
    public var domain: String
    /// "library/python", "owner/name".
    public var repository: String
    /// The tag; "latest" when neither a tag nor a digest is written.
    public var tag: String?
    /// The manifest (or index) digest of a pinned reference.
    public var digest: Digest?

    public static let dockerHub = "docker.io"

    public init(domain: String, repository: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    init(parsing text: String) throws {
        func fail(_ detail: String, _ hint: String = "write e.g. 'python:3.13-slim', 'ghcr.io/owner/name:tag' or 'host:5000/name@sha256:<64 hex digits>'") -> ImageError {
            ImageError(.reference, reference: text, step: "parsing the reference", detail: detail, hint: hint)
        }
        guard !text.isEmpty else { throw fail("the reference is empty") }
        var name = text
        if let at = text.firstIndex(of: "@") {
            let digestText = String(text[text.index(after: at)...])
            guard digestText.hasPrefix("sha256:") else {
                throw fail("digest '\(digestText)' is not a sha256 digest", "only 'sha256:' followed by 64 hex digits is supported")
            }
            guard let digest = Digest(hex: String(digestText.dropFirst(7))) else {
                throw fail("digest '\(digestText)' must be 'sha256:' followed by 64 hex digits")
            }
            self.digest = digest
            name = String(text[..<at])
        } else {
            digest = nil
        }
        let (path, tag) = ImageReference.splitTag(name)
        if let tag {
            guard Self.isValidTag(tag) else {
                throw fail("tag '\(tag)' may hold only letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'")
            }
        }
        self.tag = tag ?? (digest == nil ? "latest" : nil)

        var components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, Self.looksLikeDomain(components[0]) {
            let host = components.removeFirst()
            guard Self.isValidDomain(host) else {
                throw fail("registry '\(host)' is not a host name, an IPv4 address or a [bracketed] IPv6 address with an optional :port")
            }
            domain = host == "index.docker.io" || host == "registry-1.docker.io" ? Self.dockerHub : host
        } else {
            domain = Self.dockerHub
        }
        if domain == Self.dockerHub && components.count == 1 { components.insert("library", at: 0) }
        for component in components where !Self.isValidPathComponent(component) {
            throw fail("repository name '\(path)' has an invalid part '\(component)': use lower-case letters and digits, separated by '.', '_', '__' or dashes, between '/'")
        }
        repository = components.joined(separator: "/")
        guard domain.count + 1 + repository.count <= 255 else { throw fail("the name is longer than 255 characters") }
    }

    /// "docker.io/library/python:3.13-slim", with "@sha256:..." when pinned.
    public var canonical: String {
        var text = domain + "/" + repository
        if let tag { text += ":" + tag }
        if let digest { text += "@sha256:" + digest.hex }
        return text
    }

    /// The tag or digest that the manifests endpoint takes; a digest wins.
    public var manifestReference: String {
        if let digest { return "sha256:" + digest.hex }
        return tag ?? "latest"
    }

    /// The host that serves the registry API.
    public var apiHost: String { domain == Self.dockerHub ? "registry-1.docker.io" : domain }

    /// Plain HTTP for the loopback registries (as docker does), HTTPS for every other.
    public var scheme: String {
        let host = hostWithoutPort
        return host == "localhost" || host == "127.0.0.1" || host == "[::1]" ? "http" : "https"
    }

    /// "https://registry-1.docker.io/v2/library/python".
    public var repositoryURL: String { "\(scheme)://\(apiHost)/v2/\(repository)" }

    /// The domain without its port; IPv6 addresses keep their brackets.
    public var hostWithoutPort: String {
        if domain.hasPrefix("["), let close = domain.firstIndex(of: "]") { return String(domain[...close]) }
        return domain.split(separator: ":", maxSplits: 1).first.map(String.init) ?? domain
    }

    /// Docker's rule: a first component with '.', ':', upper case, or "localhost" names a registry.
    static func looksLikeDomain(_ component: String) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost"
            || component.contains(where: \.isUppercase)
    }

    static func isValidDomain(_ text: String) -> Bool {
        var host = Substring(text)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
            let rest = host[host.index(after: close)...]
            if rest.isEmpty { return true }
            guard rest.first == ":" else { return false }
            return isValidPort(rest.dropFirst())
        }
        if let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if let port, !isValidPort(port) { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    private static func isValidPort(_ text: Substring) -> Bool {
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text) else { return false }
        return (1...65535).contains(number)
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidPathComponent(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        var separator: [UInt8] = []
        for byte in bytes {
            if isAlphanumeric(byte) {
                if !separator.isEmpty {
                    let text = String(decoding: separator, as: UTF8.self)
                    guard text == "." || text == "_" || text == "__" || separator.allSatisfy({ $0 == UInt8(ascii: "-") }) else { return false }
                    separator = []
                }
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
                separator.append(byte)
            } else {
                return false
            }
        }
        return true
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
    static func isValidTag(_ tag: String) -> Bool {
        guard !tag.isEmpty, tag.utf8.count <= 128, tag.first != ".", tag.first != "-" else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }
}
