/// One language as the manifests describe it, validated: every value here
/// already obeys the rules of design section 1.
public struct Language: Sendable, Equatable {
    /// `[a-z0-9][a-z0-9_-]{0,31}`, unique across all manifest files.
    public var name: String
    public var description: String?
    /// File extensions without the dot, in manifest order.
    public var extensions: [String]
    /// Magic-byte rules, in manifest order (entry `magic<N>` is index N-1).
    public var magic: [MagicRule]
    public var rootfs: RootfsSource
    /// argv prefix inside the rootfs; `[0]` is an absolute, normalised path.
    public var interpreter: [String]
    /// Extra environment, in manifest order.
    public var env: [EnvironmentVariable]
    public var shebang: ShebangPolicy
    public var network: NetworkMode
    public var mounts: [Mount]
    public var binfmt: BinfmtFlags
    /// Where the language's name appears, for messages.
    public var location: SourceLocation

    public init(
        name: String, description: String? = nil, extensions: [String] = [], magic: [MagicRule] = [],
        rootfs: RootfsSource, interpreter: [String], env: [EnvironmentVariable] = [],
        shebang: ShebangPolicy = .host, network: NetworkMode = .host, mounts: [Mount] = [],
        binfmt: BinfmtFlags = BinfmtFlags(), location: SourceLocation = SourceLocation(file: "", line: 0, column: 0)
    ) {
        self.name = name
        self.description = description
        self.extensions = extensions
        self.magic = magic
        self.rootfs = rootfs
        self.interpreter = interpreter
        self.env = env
        self.shebang = shebang
        self.network = network
        self.mounts = mounts
        self.binfmt = binfmt
        self.location = location
    }
}

/// A binfmt_misc magic rule: `bytes` at `offset`, compared under `mask`.
public struct MagicRule: Sendable, Equatable {
    public var bytes: [UInt8]
    public var offset: Int
    /// Same length as `bytes` when present.
    public var mask: [UInt8]?

    public init(bytes: [UInt8], offset: Int = 0, mask: [UInt8]? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.mask = mask
    }

    /// Whether a file whose first bytes are `header` matches, as the kernel decides.
    public func matches(_ header: [UInt8]) -> Bool {
        guard header.count >= offset + bytes.count else { return false }
        for (index, expected) in bytes.enumerated() {
            let bit = mask?[index] ?? 0xff
            if header[offset + index] & bit != expected & bit { return false }
        }
        return true
    }
}

/// Where a language's root filesystem comes from.
public enum RootfsSource: Sendable, Equatable {
    /// A tarball at an http, https or file URL, pinned by the SHA-256 of its bytes.
    case tarball(url: String, sha256: String, size: Int64?)
    /// An OCI image reference (design section 2.1), exactly as written.
    case image(reference: String)
}

public struct EnvironmentVariable: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public enum ShebangPolicy: String, Sendable, Equatable, CaseIterable {
    /// Honour a `#!` line whose interpreter exists on the host.
    case host
    /// Always run in the container.
    case container
}

public enum NetworkMode: String, Sendable, Equatable, CaseIterable {
    case host
    /// A private network namespace with only loopback.
    case none
}

/// An extra bind mount, `host:container[:ro]`.
public struct Mount: Sendable, Equatable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool

    public init(hostPath: String, containerPath: String, readOnly: Bool) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.readOnly = readOnly
    }
}

/// The optional binfmt_misc flags a manifest may ask for. `F` is always set
/// and so is not represented.
public struct BinfmtFlags: Sendable, Equatable {
    /// `P`: pass the original argv[0] to the runner.
    public var preserveArgv0: Bool
    /// `O`: the kernel opens the script and passes a file descriptor.
    public var openBinary: Bool
    /// `C`: credentials from the script file (setuid scripts). Dangerous.
    public var credentials: Bool

    public init(preserveArgv0: Bool = false, openBinary: Bool = false, credentials: Bool = false) {
        self.preserveArgv0 = preserveArgv0
        self.openBinary = openBinary
        self.credentials = credentials
    }
}

/// A 1-based position in a manifest file.
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// All languages of all manifest files, in load order.
public struct Manifest: Sendable, Equatable {
    public var languages: [Language]
    /// The files that were read, in order.
    public var files: [String]

    public init(languages: [Language], files: [String]) {
        self.languages = languages
        self.files = files
    }

    public func language(named name: String) -> Language? {
        languages.first { $0.name == name }
    }
}
