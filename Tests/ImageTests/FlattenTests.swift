import DotslashDigest
@testable import DotslashImage
import DotslashStore
import Foundation
import Testing
import TestSupport

/// Layers applied in order, through real OCI layouts: whiteouts, opaque
/// directories, replacements, links, hostile members, determinism.
@Suite struct FlattenTests {
    /// Builds a one-image layout tagged "t" from `layers` and materializes it.
    func materialize(_ layers: [[String: Any]], in directory: TemporaryDirectory,
                     state name: String = "state") throws -> (MaterializedImage, ResolvedImage, StateDirectory) {
        let layout = directory.file("layout").path
        try Fixtures.makeLayout(["layout": layout, "images": [["tag": "t", "platform": Fixtures.hostPlatform, "layers": layers,
                                                               "env": ["PATH=/bin"]]]], in: directory)
        let state = try Fixtures.state(in: directory, name)
        let source = ImageSource(state: state)
        let resolved = try source.resolve(reference: "oci:\(layout):t", language: "test")
        return (try source.materialize(resolved), resolved, state)
    }

    @Test func whiteoutsAndOpaqueDirectoriesAcrossGzipZstdAndPlainLayers() throws {
        let directory = try TemporaryDirectory("flatten")
        let base = try Fixtures.busyboxTree(in: directory)
        try Fixtures.write(base, "etc/motd", "hello\n")
        for file in ["opt/data/old1", "opt/data/old2", "opt/data/sub/deep", "keep/file"] { try Fixtures.write(base, file, "lower\n") }
        let upper = directory.file("upper")
        try Fixtures.write(upper, "etc/.wh.motd", "")
        try Fixtures.write(upper, "opt/data/.wh..wh..opq", "")
        try Fixtures.write(upper, "opt/data/new", "upper\n")
        try Fixtures.write(upper, "keep/added", "upper\n")
        let top = directory.file("top")
        try Fixtures.write(top, "keep/.wh.file", "")
        try Fixtures.write(top, "etc/.wh.never-existed", "")

        let (ready, _, _) = try materialize([["dir": base.path, "compression": "gzip"], ["dir": upper.path, "compression": "zstd"],
                                             ["dir": top.path, "compression": "none"]], in: directory)
        let tree = ready.treePath
        #expect(try Fixtures.listing(tree) == [
            "bin/", "bin/busybox", "bin/cat -> busybox", "bin/echo -> busybox", "bin/ls -> busybox", "bin/sh -> busybox",
            "etc/", "etc/os-release", "keep/", "keep/added", "opt/", "opt/data/", "opt/data/new",
        ])
        #expect(Fixtures.read(tree + "/opt/data/new") == "upper\n")
        // The flattened busybox is the real one and runs.
        let run = try Command.run([tree + "/bin/busybox", "echo", "from the image"])
        #expect(run.stdout == "from the image\n")
        // The payload is the tree as a zstd tarball, named by its digest.
        #expect(ready.payloadPath.hasSuffix("/blobs/sha256/" + ready.payloadDigest.hex))
        #expect(try BlobStore.digest(ofFile: ready.payloadPath) == ready.payloadDigest)
        let listing = try Command.run(["tar", "--zstd", "-tf", ready.payloadPath])
        #expect(listing.stdout.split(separator: "\n").contains("opt/data/new"))
        #expect(!listing.stdout.contains(".wh."))
    }

    @Test func replacementsAndSymlinkedParentsStayInsideTheTree() throws {
        let directory = try TemporaryDirectory("flatten")
        let marker = "dotslash-escape-\(UUID().uuidString.prefix(8))"
        let lower: [String: Any] = ["entries": [
            ["name": "a/x", "type": "file", "content": "x"],
            ["name": "b", "type": "file", "content": "b"],
            ["name": "usr/lib/one", "type": "file", "content": "1"],
            ["name": "lib", "type": "symlink", "target": "usr/lib"],
            ["name": "up", "type": "symlink", "target": "../../../../tmp"],
            ["name": "abs", "type": "symlink", "target": "/tmp"],
        ]]
        let upper: [String: Any] = ["entries": [
            ["name": "a", "type": "file", "content": "a is a file now"],
            ["name": "b", "type": "dir"],
            ["name": "b/y", "type": "file", "content": "y"],
            ["name": "lib/two", "type": "file", "content": "2"],
            ["name": "up/\(marker)", "type": "file", "content": "relative"],
            ["name": "abs/\(marker)-abs", "type": "file", "content": "absolute"],
        ], "compression": "none"]
        let (ready, _, _) = try materialize([lower, upper], in: directory)
        let tree = ready.treePath
        #expect(try Fixtures.listing(tree) == [
            "a", "abs -> /tmp", "b/", "b/y", "lib -> usr/lib", "tmp/", "tmp/\(marker)", "tmp/\(marker)-abs", "up -> ../../../../tmp",
            "usr/", "usr/lib/", "usr/lib/one", "usr/lib/two",
        ])
        #expect(Fixtures.read(tree + "/a") == "a is a file now")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/" + marker))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(marker)-abs"))
    }

    @Test func hardLinksKeepTheirContentWhenTheOriginalIsWhitedOut() throws {
        let directory = try TemporaryDirectory("flatten")
        let lower: [String: Any] = ["entries": [
            ["name": "data/a", "type": "file", "content": "shared", "mode": 0o640],
            ["name": "data/b", "type": "hardlink", "target": "data/a"],
            ["name": "data/c", "type": "hardlink", "target": "data/a"],
        ]]
        let upper: [String: Any] = ["entries": [["name": "data/.wh.a", "type": "file"]]]
        let (ready, _, _) = try materialize([lower, upper], in: directory)
        let tree = ready.treePath
        #expect(try Fixtures.listing(tree) == ["data/", "data/b", "data/c"])
        #expect(Fixtures.read(tree + "/data/b") == "shared")
        let b = try FileManager.default.attributesOfItem(atPath: tree + "/data/b")
        let c = try FileManager.default.attributesOfItem(atPath: tree + "/data/c")
        #expect(b[.systemFileNumber] as? Int == c[.systemFileNumber] as? Int)
        #expect(b[.posixPermissions] as? Int == 0o640)
    }

    @Test func hostileMembersRefuseTheWholeImage() throws {
        let directory = try TemporaryDirectory("flatten")
        let layers: [[String: Any]] = [["entries": [
            ["name": "fine", "type": "file", "content": "ok"],
            ["name": "../escape", "type": "file", "content": "x"],
            ["name": "/absolute", "type": "file", "content": "x"],
            ["name": "link", "type": "hardlink", "target": "../../etc/passwd"],
            ["name": "missing-target", "type": "hardlink", "target": "nowhere"],
        ]]]
        let state: StateDirectory
        do {
            let (_, _, made) = try materialize(layers, in: directory)
            state = made
            Issue.record("a hostile image was materialized")
        } catch let error as ImageError {
            #expect(error.kind == .layer)
            for fragment in ["4 member(s)", "../escape: path contains '..'", "/absolute: absolute path",
                             "link: hard link target ../../etc/passwd contains '..'", "missing-target: hard link to nowhere"] {
                #expect(error.description.contains(fragment), "\(fragment) missing from \(error)")
            }
            state = StateDirectory(path: directory.file("state").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.rootfsDirectory).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.temporaryDirectory).isEmpty)
    }

    @Test func deeplyNestedTreesNeedNoDeepStack() throws {
        let directory = try TemporaryDirectory("flatten")
        let deep = Array(repeating: "d", count: 1500).joined(separator: "/")
        let (ready, _, _) = try materialize([
            ["entries": [["name": deep + "/lower", "type": "file", "content": "lower"]]],
            ["entries": [["name": "d/.wh..wh..opq", "type": "file"], ["name": deep + "/upper", "type": "file", "content": "upper"]]],
        ], in: directory)
        #expect(Fixtures.read(ready.treePath + "/" + deep + "/upper") == "upper")
        #expect(!FileManager.default.fileExists(atPath: ready.treePath + "/" + deep + "/lower"))
    }

    @Test func devicesAreSkippedAndReported() throws {
        let directory = try TemporaryDirectory("flatten")
        let (ready, _, _) = try materialize([["entries": [
            ["name": "dev/null", "type": "chardev"], ["name": "etc/hostname", "type": "file", "content": "box"],
        ]]], in: directory)
        #expect(ready.payload?.skipped == ["layer 1: dev/null: character device skipped (the container gets the host's /dev)"])
        #expect(try Fixtures.listing(ready.treePath) == ["etc/", "etc/hostname"])
    }

    @Test func thePayloadIsDeterministicAndBuiltOnce() throws {
        let directory = try TemporaryDirectory("flatten")
        let tree = try Fixtures.busyboxTree(in: directory)
        let layers: [[String: Any]] = [["dir": tree.path, "compression": "gzip"]]
        let (first, resolved, state) = try materialize(layers, in: directory, state: "one")
        let second = try ImageSource(state: try Fixtures.state(in: directory, "two"))
            .materialize(try ImageSource(state: StateDirectory(path: directory.file("two").path))
                .resolve(reference: "oci:\(directory.file("layout").path):t", language: "test"))
        #expect(first.payloadDigest == second.payloadDigest)
        #expect(first.payload != nil && first.extraction != nil)
        #expect(first.treePath == state.rootfsDirectory + "/" + resolved.manifestDigest.hex)

        // Again in the same store: everything is there, nothing is rebuilt.
        let source = ImageSource(state: state)
        let again = try source.resolve(reference: "oci:\(directory.file("layout").path):t", language: "test")
        #expect(again.fromLock)
        #expect(again.payloadDigest == first.payloadDigest)
        let reused = try source.materialize(again)
        #expect(reused.payload == nil && reused.extraction == nil)
        #expect(reused.payloadDigest == first.payloadDigest)
    }
}
