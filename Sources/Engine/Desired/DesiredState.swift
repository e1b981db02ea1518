import DotslashBinfmt
import DotslashDigest
import DotslashManifest
import DotslashStore

/// The manifests turned into targets, one per language, in manifest order.
public struct DesiredState: Sendable {
    public var manifest: Manifest
    public var targets: [LanguageTarget]
    public var stubDigest: Digest

    /// Every entry of every pinned language.
    public var entries: [BinfmtEntry] { targets.flatMap(\.entries) }

    public func target(named name: String) -> LanguageTarget? {
        targets.first { $0.name == name }
    }

    /// Builds the targets; image tags come from `images.lock` through `pin`.
    public static func make(
        manifest: Manifest, context: EngineContext,
        pinImage: (Language, String) throws -> PinnedRootfs? = { _, _ in nil }
    ) throws -> DesiredState {
        let stubDigest = try RunnerStub.digest(of: context.runnerStub)
        var targets: [LanguageTarget] = []
        for language in manifest.languages {
            let rootfs: PinnedRootfs?
            switch language.rootfs {
            case .tarball(let url, let sha256, let size):
                guard let digest = Digest(hex: sha256) else {
                    throw EngineError(step: "reading the manifest", message: "language '\(language.name)': sha256 '\(sha256)' is not 64 hex digits")
                }
                rootfs = PinnedRootfs(source: .tarball(url: url, size: size), key: digest)
            case .image(let reference):
                rootfs = try pinImage(language, reference)
            }
            targets.append(.make(language: language, rootfs: rootfs, stubDigest: stubDigest, state: context.state))
        }
        return DesiredState(manifest: manifest, targets: targets, stubDigest: stubDigest)
    }
}
