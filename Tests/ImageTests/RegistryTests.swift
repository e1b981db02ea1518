import DotslashDigest
@testable import DotslashImage
import DotslashStore
import Foundation
import Testing
import TestSupport

/// Pulls from a real registry (Debian's docker-registry) on 127.0.0.1,
/// with images pushed by skopeo from layouts the tests build.
@Suite(.serialized) struct RegistryTests {
    /// Builds the images of `spec` into a layout and pushes `tag` to `repository`.
    func push(_ images: [[String: Any]], tag: String, format: String? = nil, to registry: TestRegistry, repository: String,
              credentials: String? = nil, in directory: TemporaryDirectory) throws -> Fixtures.LayoutSummary {
        let layout = directory.file("layout-\(UUID().uuidString.prefix(8))").path
        let summary = try Fixtures.makeLayout(["layout": layout, "images": images], in: directory)
        try Fixtures.push(layout: layout, tag: tag, to: "\(registry.host)/\(repository):\(tag)", credentials: credentials,
                          format: format)
        return summary
    }

    func busyboxImage(_ tree: URL, tag: String) -> [String: Any] {
        ["tag": tag, "platform": Fixtures.hostPlatform, "layers": [["dir": tree.path]], "env": ["PATH=/bin", "HOME=/root"]]
    }

    @Test func singleLayerImageWithDockerMediaTypes() throws {
        let directory = try TemporaryDirectory("registry-test")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let tree = try Fixtures.busyboxTree(in: directory)
        _ = try push([busyboxImage(tree, tag: "v1")], tag: "v1", format: "v2s2", to: registry, repository: "test/busybox",
                     in: directory)
        let reference = "\(registry.host)/test/busybox:v1"
        let (digest, manifest) = try Fixtures.manifestDigest(reference)
        #expect(manifest.contains(MediaType.dockerManifest) && manifest.contains(MediaType.dockerLayerGzip))
        let state = try Fixtures.state(in: directory)
        let source = ImageSource(state: state)
        let resolved = try source.resolve(reference: reference, language: "box")
        #expect(resolved.manifestDigest == digest)
        #expect(resolved.tagDigest == digest)
        #expect(resolved.configEnv == ["PATH=/bin", "HOME=/root"])

        let ready = try source.materialize(resolved)
        #expect(ready.treePath == state.rootfsDirectory + "/" + digest.hex)
        #expect(try Command.run([ready.treePath + "/bin/busybox", "echo", "pulled"]).stdout == "pulled\n")
        // Manifest, config, layer and payload all sit in the blob store, verified.
        let blobs = try FileManager.default.contentsOfDirectory(atPath: state.blobsDirectory)
        #expect(blobs.count == 4)
        for name in blobs { #expect(try BlobStore.digest(ofFile: state.blobsDirectory + "/" + name).hex == name) }

        let entry = try ImageLock.load(state).lookup(language: "box", reference: reference)
        #expect(entry?.resolved == "\(registry.host)/test/busybox:v1")
        #expect(entry?.platform == Platform.host.description)
        #expect(entry?.payload == "sha256:" + ready.payloadDigest.hex)
    }

    @Test func layersWithWhiteoutsFromTheRegistry() throws {
        let directory = try TemporaryDirectory("registry-test")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let base = try Fixtures.busyboxTree(in: directory)
        try Fixtures.write(base, "etc/motd", "old\n")
        try Fixtures.write(base, "srv/www/index.html", "old\n")
        try Fixtures.write(base, "srv/www/css/site.css", "old\n")
        let upper = directory.file("upper")
        try Fixtures.write(upper, "etc/.wh.motd", "")
        try Fixtures.write(upper, "srv/www/.wh..wh..opq", "")
        try Fixtures.write(upper, "srv/www/index.html", "new\n")
        _ = try push([["tag": "2", "platform": Fixtures.hostPlatform,
                       "layers": [["dir": base.path, "compression": "gzip"], ["dir": upper.path, "compression": "zstd"]]]],
                     tag: "2", to: registry, repository: "layers", in: directory)
        let source = ImageSource(state: try Fixtures.state(in: directory))
        let ready = try source.materialize(try source.resolve(reference: "\(registry.host)/layers:2", language: "l"))
        let listing = try Fixtures.listing(ready.treePath)
        #expect(!listing.contains("etc/motd"))
        #expect(listing.filter { $0.hasPrefix("srv/") } == ["srv/", "srv/www/", "srv/www/index.html"])
        #expect(Fixtures.read(ready.treePath + "/srv/www/index.html") == "new\n")
    }

    @Test func multiPlatformIndexByTagAndByDigest() throws {
        let directory = try TemporaryDirectory("registry-test")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let host = try Fixtures.busyboxTree(in: directory)
        try Fixtures.write(host, "arch", "host\n")
        let foreign = directory.file("foreign")
        try Fixtures.write(foreign, "arch", "foreign\n")
        let summary = try push([[
            "tag": "multi", "attestation": true,
            "index": [["platform": Fixtures.foreignPlatform, "layers": [["dir": foreign.path]]],
                      ["platform": Fixtures.hostPlatform, "layers": [["dir": host.path]]]],
        ]], tag: "multi", to: registry, repository: "multi", in: directory)
        let index = summary.images[0].digest
        let expected = summary.images[0].manifests[Fixtures.hostPlatform]

        let source = ImageSource(state: try Fixtures.state(in: directory))
        let byTag = try source.resolve(reference: "\(registry.host)/multi:multi", language: "tag")
        #expect(byTag.tagDigest == index)
        #expect(byTag.manifestDigest == expected)
        let pinned = try source.resolve(reference: "\(registry.host)/multi@sha256:\(index.hex)", language: "pinned")
        #expect(pinned.manifestDigest == expected)
        #expect(Fixtures.read(try source.materialize(pinned).treePath + "/arch") == "host\n")
    }

    @Test func aTamperedLayerIsRejectedAndNothingIsKept() throws {
        let directory = try TemporaryDirectory("registry-test")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let tree = try Fixtures.busyboxTree(in: directory)
        _ = try push([busyboxImage(tree, tag: "t")], tag: "t", to: registry, repository: "tampered", in: directory)
        let state = try Fixtures.state(in: directory)
        let source = ImageSource(state: state)
        let resolved = try source.resolve(reference: "\(registry.host)/tampered:t", language: "t")
        guard let layer = resolved.layers?.first else {
            Issue.record("no layers")
            return
        }
        // Same size, one byte different: only the digest can tell.
        let stored = registry.storedBlob(layer.digest)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stored)))
        bytes[bytes.count / 2] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: stored))

        let url = "http://\(registry.host)/v2/tampered/blobs/sha256:\(layer.digest.hex)"
        expectImageError(.digestMismatch, ["sha256 mismatch: expected \(layer.digest.hex)", url, "layer 1 of 1"]) {
            _ = try source.materialize(resolved)
        }
        #expect(!FileManager.default.fileExists(atPath: state.blobPath(layer.digest)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.temporaryDirectory).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.rootfsDirectory).isEmpty)
    }

    @Test func aTamperedManifestIsRejected() throws {
        let directory = try TemporaryDirectory("registry-test")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let summary = try push([busyboxImage(try Fixtures.busyboxTree(in: directory), tag: "t")], tag: "t", to: registry,
                               repository: "manifest", in: directory)
        let manifest = summary.images[0].digest
        let stored = registry.storedBlob(manifest)
        var text = Fixtures.read(stored) ?? ""
        text = text.replacingOccurrences(of: "\"schemaVersion\": 2", with: "\"schemaVersion\":  2")
        try Data(text.utf8).write(to: URL(fileURLWithPath: stored))

        let state = try Fixtures.state(in: directory)
        expectImageError(.digestMismatch, ["the registry says sha256:\(manifest.hex)", "manifests/t"]) {
            _ = try ImageSource(state: state).resolve(reference: "\(registry.host)/manifest:t", language: "m")
        }
        #expect(try ImageLock.load(state).entries.isEmpty)
    }

    @Test func unknownTagsAndRepositories() throws {
        let directory = try TemporaryDirectory("registry-test")
        let registry = try TestRegistry()
        defer { registry.stop() }
        _ = try push([busyboxImage(try Fixtures.busyboxTree(in: directory), tag: "t")], tag: "t", to: registry,
                     repository: "known", in: directory)
        let source = ImageSource(state: try Fixtures.state(in: directory))
        expectImageError(.registry, ["tag 'nope' is not in \(registry.host)/known", "HTTP 404", "MANIFEST_UNKNOWN"]) {
            _ = try source.resolve(reference: "\(registry.host)/known:nope", language: "k")
        }
        expectImageError(.registry, ["tag 'latest' is not in \(registry.host)/unknown", "HTTP 404"]) {
            _ = try source.resolve(reference: "\(registry.host)/unknown", language: "u")
        }
    }
}
