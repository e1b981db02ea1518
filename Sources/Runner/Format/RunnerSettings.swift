/// How a `#!` line in a script is treated (design 4.4).
public enum ShebangMode: UInt8, Equatable, Sendable {
    /// Honour a `#!` whose interpreter exists on the host.
    case host = 0
    /// Always run in the container.
    case container = 1
}

/// The container's network (design 4.3).
public enum NetworkMode: UInt8, Equatable, Sendable {
    /// The caller's network namespace.
    case host = 0
    /// A private network namespace with only loopback.
    case none = 1
}

/// An extra bind of a host path into the container.
public struct RunnerMount: Equatable, Sendable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool

    public init(hostPath: String, containerPath: String, readOnly: Bool) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.readOnly = readOnly
    }
}

/// Everything the runner needs at run time, written into its trailer.
/// The encoding (see `SettingsCoding`) is deterministic, so equal settings
/// give equal bytes and equal runner ids.
public struct RunnerSettings: Equatable, Sendable {
    /// The language name, shown in every message.
    public var language: String
    /// 64 lowercase hex digits: the name of the extracted tree under
    /// `<store>/rootfs/<rootfsKey>` (for tarballs, the tarball's sha256).
    public var rootfsKey: String
    /// argv prefix inside the rootfs; `[0]` is absolute.
    public var interpreter: [String]
    /// `NAME=value` from an OCI image config; its PATH replaces the default.
    public var baseEnvironment: [String]
    /// `NAME=value` from the manifest, applied last.
    public var environment: [String]
    public var shebang: ShebangMode
    public var network: NetworkMode
    public var mounts: [RunnerMount]
    /// The store the runner was built for: searched first for the tree and
    /// bound read-only into the container.
    public var stateDirectory: String
    /// The binfmt entry has the P flag: the kernel passes the script's own
    /// argv[0] after SCRIPT, which the runner drops.
    public var preserveArgv0: Bool

    public init(
        language: String, rootfsKey: String, interpreter: [String],
        baseEnvironment: [String] = [], environment: [String] = [],
        shebang: ShebangMode = .host, network: NetworkMode = .host,
        mounts: [RunnerMount] = [], stateDirectory: String, preserveArgv0: Bool = false
    ) {
        self.language = language
        self.rootfsKey = rootfsKey
        self.interpreter = interpreter
        self.baseEnvironment = baseEnvironment
        self.environment = environment
        self.shebang = shebang
        self.network = network
        self.mounts = mounts
        self.stateDirectory = stateDirectory
        self.preserveArgv0 = preserveArgv0
    }
}
