import DotslashDigest
import DotslashFetch
import DotslashStore
import RunnerFormat

/// Makes what a language's entries point at (design section 2 and the apply
/// order of section 5): the verified rootfs blob, its extracted tree, and
/// the runner. Each step is a no-op when its result is already in the
/// store. Call with the store lock held.
struct ArtifactBuilder {
    let context: EngineContext
    let images: ImageSession
    let progress: ProgressReporter

    init(context: EngineContext, images: ImageSession) {
        self.context = context
        self.images = images
        progress = context.output.progress()
    }

    /// Download and verify the rootfs (design section 2: hashed while it streams).
    func fetch(_ target: LanguageTarget) throws {
        guard let rootfs = target.rootfs else { throw unpinned(target) }
        switch rootfs.source {
        case .tarball(let url, let size):
            let options: DownloadOptions
            do {
                options = try DownloadOptions.fromEnvironment(context.environment)
            } catch {
                throw EngineError(step: "reading download settings", message: "\(error)")
            }
            try Downloader(options: options, progress: progress)
                .fetch(url: url, expectedSHA256: rootfs.key, expectedSize: size, into: context.state)
        case .image:
            // Pulls what is missing, flattens the layers into rootfs/<key>
            // and writes the payload tarball.
            _ = try images.materialize(language: target.name)
        }
    }

    /// Extract the verified blob into `rootfs/<hex>`.
    func extract(_ target: LanguageTarget) throws {
        guard let rootfs = target.rootfs else { throw unpinned(target) }
        if case .image = rootfs.source { return }  // materialized with the fetch
        let report = try RootfsExtractor(state: context.state, progress: progress).extract(blob: rootfs.key)
        guard !report.alreadyPresent else { return }
        // Device nodes under /dev are in most rootfs tarballs and harmless to
        // skip (the container binds the host's /dev): one line for them all.
        let underDev = report.skipped.filter { $0.name.hasPrefix("./dev/") || $0.name.hasPrefix("dev/") }
        let other = report.skipped.filter { !underDev.contains($0) }
        if !underDev.isEmpty {
            context.output.err("\(target.name): skipped \(underDev.count) device \(underDev.count == 1 ? "node" : "nodes") under /dev (the container uses the host's /dev)\n")
        }
        let changed = other.map { "  skipped \($0)" } + report.modesChanged.map { "  changed \($0)" }
        if !changed.isEmpty {
            context.output.err("\(target.name): \(changed.count) members of the rootfs were changed for safety:\n"
                               + changed.prefix(20).joined(separator: "\n") + (changed.count > 20 ? "\n  ..." : "") + "\n")
        }
    }

    /// Write `runners/<language>-<id>`: the stub, the tarball as payload and
    /// the trailer with the language's settings.
    func buildRunner(_ target: LanguageTarget) throws {
        guard let rootfs = target.rootfs, let settings = target.settings, let id = target.runnerID else {
            throw unpinned(target)
        }
        let name = "\(target.name)-\(id)"
        let runners = RunnerFiles(state: context.state)
        if runners.contains(name) { return }
        let payload = try payloadPath(rootfs, language: target.name)
        let stub = context.runnerStub
        progress.start("\(target.name): build runner \(name)", total: nil)
        try runners.publish(name) { fd in
            do {
                _ = try RunnerWriter.write(stubPath: stub, payloadPath: payload, settings: settings, to: fd)
            } catch {
                throw EngineError(step: "building the runner", message: "\(error)")
            }
        }
        progress.finish("done")
    }

    /// The tarball that goes into the runner: the rootfs blob itself, or the
    /// payload flattened from an image.
    private func payloadPath(_ rootfs: PinnedRootfs, language: String) throws -> String {
        guard case .image = rootfs.source else { return context.state.blobPath(rootfs.key) }
        guard let path = images.payloadPath(language: language) else {
            throw EngineError(step: "building the runner", message: "the image of '\(language)' has no payload yet; fetch it first")
        }
        return path
    }

    private func unpinned(_ target: LanguageTarget) -> EngineError {
        EngineError(step: "resolving the rootfs", message: "language '\(target.name)' has no pinned rootfs")
    }
}
