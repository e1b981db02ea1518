import DotslashBinfmt
import DotslashDigest
import DotslashManifest
import DotslashStore
import RunnerFormat

/// What one language of the manifests asks for, computed from the manifest
/// alone (and `images.lock` for image tags): its rootfs, its runner's
/// settings, id and path, and its binfmt_misc entries. No network, no kernel.
public struct LanguageTarget: Sendable {
    public var language: Language
    /// The rootfs, once its content is pinned.
    public var rootfs: PinnedRootfs?
    public var settings: RunnerSettings?
    /// 16 hex digits (design section 2).
    public var runnerID: String?
    public var runnerPath: String?
    /// The entries that point at the runner; empty while the rootfs is not pinned.
    public var entries: [BinfmtEntry]

    public var name: String { language.name }
    /// False for an image tag that has never been resolved: only `apply`
    /// (with network) can pin it.
    public var isPinned: Bool { rootfs != nil }
}

/// A rootfs whose bytes are known: a tarball by its digest, or an image by
/// its resolved platform manifest digest.
public struct PinnedRootfs: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case tarball(url: String, size: Int64?)
        case image(reference: String, environment: [String])
    }

    public var source: Source
    /// The digest the store names the tree by (`rootfs/<hex>`), and that the
    /// runner id covers.
    public var key: Digest
}

extension LanguageTarget {
    /// The runner's settings (design section 4) for `language` and `rootfs`.
    static func settings(for language: Language, rootfs: PinnedRootfs, state: StateDirectory) -> RunnerSettings {
        var base: [String] = []
        if case .image(_, let environment) = rootfs.source { base = environment }
        return RunnerSettings(
            language: language.name,
            rootfsKey: rootfs.key.hex,
            interpreter: language.interpreter,
            baseEnvironment: base,
            environment: language.env.map { "\($0.name)=\($0.value)" },
            shebang: language.shebang == .container ? .container : .host,
            network: language.network == .none ? .none : .host,
            mounts: language.mounts.map { RunnerMount(hostPath: $0.hostPath, containerPath: $0.containerPath, readOnly: $0.readOnly) },
            stateDirectory: state.root,
            preserveArgv0: language.binfmt.preserveArgv0)
    }

    static func make(language: Language, rootfs: PinnedRootfs?, stubDigest: Digest, state: StateDirectory) -> LanguageTarget {
        guard let rootfs else {
            return LanguageTarget(language: language, rootfs: nil, settings: nil, runnerID: nil, runnerPath: nil, entries: [])
        }
        let settings = settings(for: language, rootfs: rootfs, state: state)
        let id = RunnerID.compute(stubDigest: stubDigest, payloadDigest: rootfs.key.hex, settings: settings)
        let path = state.runnerPath("\(language.name)-\(id)")
        return LanguageTarget(
            language: language, rootfs: rootfs, settings: settings, runnerID: id, runnerPath: path,
            entries: DesiredEntries.make(for: language, runnerPath: path))
    }
}
