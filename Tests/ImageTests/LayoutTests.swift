import DotslashDigest
@testable import DotslashImage
import DotslashStore
import Foundation
import Testing
import TestSupport

/// `oci:` and `oci-archive:` sources: layouts on disk, as skopeo, buildah
/// or `docker buildx --output type=oci` write them.
@Suite struct LayoutTests {
    func image(_ tree: URL, tag: String?, platform: String = Fixtures.hostPlatform, env: [String] = ["PATH=/bin"]) -> [String: Any] {
        var image: [String: Any] = ["platform": platform, "layers": [["dir": tree.path]], "env": env,
                                    "entrypoint": ["/bin/sh"], "cmd": ["-c", "echo"], "workingDir": "/srv"]
        if let tag { image["tag"] = tag }
        return image
    }

    @Test func layoutByTagWithItsConfig() throws {
        let directory = try TemporaryDirectory("layout")
        let tree = try Fixtures.busyboxTree(in: directory)
        let layout = directory.file("layout").path
        let summary = try Fixtures.makeLayout(["layout": layout, "images": [
            image(tree, tag: "v1", env: ["PATH=/usr/local/bin:/bin", "LANG=C.UTF-8"]), image(tree, tag: "v2", env: ["PATH=/v2"]),
        ]], in: directory)
        let state = try Fixtures.state(in: directory)
        let source = ImageSource(state: state)
        let resolved = try source.resolve(reference: "oci:\(layout):v1", language: "box")
        #expect(resolved.manifestDigest == summary.images[0].digest)
        #expect(resolved.rootfsKey == summary.images[0].digest.hex)
        #expect(resolved.configEnv == ["PATH=/usr/local/bin:/bin", "LANG=C.UTF-8"])
        #expect(resolved.config.entrypoint == ["/bin/sh"])
        #expect(resolved.config.cmd == ["-c", "echo"])
        #expect(resolved.config.workingDir == "/srv")
        #expect(resolved.change?.old == nil && resolved.change?.new == resolved.manifestDigest)
        let ready = try source.materialize(resolved)
        #expect(FileManager.default.isExecutableFile(atPath: ready.treePath + "/bin/busybox"))
        #expect(try source.resolve(reference: "oci:\(layout):v2", language: "other").configEnv == ["PATH=/v2"])

        let lock = try ImageLock.load(state)
        #expect(lock.lookup(language: "box", reference: "oci:\(layout):v1")?.manifest == "sha256:" + summary.images[0].digest.hex)
        #expect(lock.lookup(language: "box", reference: "oci:\(layout):v1")?.payload == "sha256:" + ready.payloadDigest.hex)
        #expect(lock.lookup(language: "box", reference: "oci:\(layout):v2") == nil)
    }

    @Test func twoLanguagesOnOneImageShareItsTreeAndPayload() throws {
        let directory = try TemporaryDirectory("layout")
        let layout = directory.file("layout").path
        try Fixtures.makeLayout(["layout": layout, "images": [image(try Fixtures.busyboxTree(in: directory), tag: "t")]], in: directory)
        let state = try Fixtures.state(in: directory)
        let source = ImageSource(state: state)
        let first = try source.resolve(reference: "oci:\(layout):t", language: "a")
        let second = try source.resolve(reference: "oci:\(layout):t", language: "b")
        let built = try source.materialize(first)
        let shared = try source.materialize(second)
        #expect(built.payload != nil)
        #expect(shared.payload == nil && shared.extraction == nil)
        #expect(shared.payloadDigest == built.payloadDigest && shared.treePath == built.treePath)
        // A new run finds the payload through the lock.
        #expect(try ImageSource(state: state).materialize(second).payload == nil)

        // What gc must keep: manifest, config and payload blobs, and the tree.
        let lock = try ImageLock.load(state)
        #expect(lock.referencedBlobs == [first.manifestDigest, first.configDigest, built.payloadDigest])
        #expect(lock.referencedTrees == [first.manifestDigest])
    }

    @Test func choosingAnImageInALayout() throws {
        let directory = try TemporaryDirectory("layout")
        let tree = try Fixtures.busyboxTree(in: directory)
        let single = directory.file("single").path, several = directory.file("several").path
        let one = try Fixtures.makeLayout(["layout": single, "images": [image(tree, tag: nil)]], in: directory)
        try Fixtures.makeLayout(["layout": several, "images": [image(tree, tag: "a"), image(tree, tag: "b", env: ["X=1"])]], in: directory)
        let source = ImageSource(state: try Fixtures.state(in: directory))

        // The only image needs no tag.
        #expect(try source.resolve(reference: "oci:\(single)", language: "x").manifestDigest == one.images[0].digest)
        expectImageError(.layout, ["index.json lists 2 images", "tags: a, b"]) {
            _ = try source.resolve(reference: "oci:\(several)", language: "y")
        }
        expectImageError(.layout, ["no image is tagged 'c'", "tags: a, b"]) {
            _ = try source.resolve(reference: "oci:\(several):c", language: "y")
        }
        expectImageError(.layout, ["no 'oci-layout' file", "skopeo copy"]) {
            _ = try source.resolve(reference: "oci:\(directory.path)", language: "z")
        }
    }

    @Test func multiPlatformLayoutPicksThisMachine() throws {
        let directory = try TemporaryDirectory("layout")
        let tree = try Fixtures.busyboxTree(in: directory)
        let other = directory.file("other")
        try Fixtures.write(other, "arch", "foreign\n")
        try Fixtures.write(tree, "arch", "host\n")
        let layout = directory.file("layout").path
        let summary = try Fixtures.makeLayout(["layout": layout, "images": [[
            "tag": "multi", "attestation": true,
            "index": [image(other, tag: nil, platform: Fixtures.foreignPlatform), image(tree, tag: nil)],
        ]]], in: directory)
        let state = try Fixtures.state(in: directory)
        let source = ImageSource(state: state)
        // Offline, a layout on disk is read but not recorded.
        let offline = try source.resolve(reference: "oci:\(layout):multi", language: "m", offline: true)
        #expect(offline.manifestDigest == summary.images[0].manifests[Fixtures.hostPlatform])
        #expect(try ImageLock.load(state).entries.isEmpty)

        let resolved = try source.resolve(reference: "oci:\(layout):multi", language: "m")
        #expect(resolved.tagDigest == summary.images[0].digest)
        #expect(resolved.manifestDigest == summary.images[0].manifests[Fixtures.hostPlatform])
        #expect(Fixtures.read(try source.materialize(resolved).treePath + "/arch") == "host\n")
    }

    @Test func anImageForAnotherMachineOnlyIsRefused() throws {
        let directory = try TemporaryDirectory("layout")
        let layout = directory.file("layout").path
        try Fixtures.makeLayout(["layout": layout, "images": [image(try Fixtures.busyboxTree(in: directory), tag: "x",
                                                                    platform: Fixtures.foreignPlatform)]], in: directory)
        expectImageError(.platform, ["the image is built for \(Fixtures.foreignPlatform)", "this machine is \(Platform.host)"]) {
            _ = try ImageSource(state: try Fixtures.state(in: directory)).resolve(reference: "oci:\(layout):x", language: "x")
        }
    }

    @Test func ociArchive() throws {
        let directory = try TemporaryDirectory("layout")
        let tree = try Fixtures.busyboxTree(in: directory)
        let archive = directory.file("image.tar").path
        let summary = try Fixtures.makeLayout(["layout": directory.file("layout").path, "archive": archive,
                                               "images": [image(tree, tag: "1.0")]], in: directory)
        let source = ImageSource(state: try Fixtures.state(in: directory))
        let resolved = try source.resolve(reference: "oci-archive:\(archive):1.0", language: "a")
        #expect(resolved.manifestDigest == summary.images[0].digest)
        let ready = try source.materialize(resolved)
        #expect(try Command.run([ready.treePath + "/bin/busybox", "cat", ready.treePath + "/etc/os-release"]).stdout == "NAME=busybox-test\n")
    }

    @Test func aDamagedBlobInAnArchiveIsRejected() throws {
        let directory = try TemporaryDirectory("layout")
        let tree = directory.file("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try Data((0..<65536).map { _ in UInt8.random(in: 0...255) }).write(to: tree.appendingPathComponent("noise"))
        let layout = directory.file("layout").path
        try Fixtures.makeLayout(["layout": layout, "images": [image(tree, tag: "t")]], in: directory)
        // Flip bytes of the layer (the largest blob), keeping its size.
        let blobs = layout + "/blobs/sha256"
        let layer = try FileManager.default.contentsOfDirectory(atPath: blobs).max {
            (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $0)[.size] as? Int ?? 0) ?? 0
                < (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $1)[.size] as? Int ?? 0) ?? 0
        }
        let layerPath = blobs + "/" + (layer ?? "")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: layerPath)))
        bytes[bytes.count / 2] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: layerPath))
        let archive = directory.file("damaged.tar").path
        #expect(try Command.run(["tar", "-cf", archive, "-C", layout, "."]).status == 0)

        let state = try Fixtures.state(in: directory)
        let source = ImageSource(state: state)
        let resolved = try source.resolve(reference: "oci-archive:\(archive):t", language: "d")
        expectImageError(.digestMismatch, ["expected \(layer ?? "?")", archive, "nothing was stored"]) {
            _ = try source.materialize(resolved)
        }
        #expect(!FileManager.default.fileExists(atPath: state.blobsDirectory + "/" + (layer ?? "")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.temporaryDirectory).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.rootfsDirectory).isEmpty)

        // The same damage in a layout directory: the downloader's check.
        let direct = try source.resolve(reference: "oci:\(layout):t", language: "e")
        expectImageError(.digestMismatch, ["sha256 mismatch: expected \(layer ?? "?")", layerPath]) {
            _ = try source.materialize(direct)
        }
    }
}
