import DotslashDigest
@testable import DotslashImage
import DotslashStore
import Foundation
import Testing
import TestSupport

/// images.lock: a tag is resolved once and then read from the lock (no
/// network); `update` re-resolves and reports old -> new.
@Suite(.serialized) struct ImageLockTests {
    @Test func aTagIsResolvedOnceThenReadOfflineAndUpdateReportsTheMove() throws {
        let directory = try TemporaryDirectory("lock")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let first = try Fixtures.busyboxTree(in: directory, named: "first")
        let second = try Fixtures.busyboxTree(in: directory, named: "second")
        try Fixtures.write(second, "etc/version", "2\n")
        let layout = directory.file("layout").path
        let summary = try Fixtures.makeLayout(["layout": layout, "images": [
            ["tag": "one", "platform": Fixtures.hostPlatform, "layers": [["dir": first.path]], "env": ["V=1"]],
            ["tag": "two", "platform": Fixtures.hostPlatform, "layers": [["dir": second.path]], "env": ["V=2"]],
        ]], in: directory)
        let (old, new) = (summary.images[0].digest, summary.images[1].digest)
        let reference = "\(registry.host)/app:stable"
        try Fixtures.push(layout: layout, tag: "one", to: reference)

        let state = try Fixtures.state(in: directory)
        let resolved = try ImageSource(state: state).resolve(reference: reference, language: "app")
        #expect(resolved.manifestDigest == old)
        #expect(!resolved.fromLock)
        #expect(resolved.change == ImageUpdate(language: "app", reference: reference, old: nil, new: old))
        _ = try ImageSource(state: state).materialize(resolved)

        // The tag moves in the registry; without update the lock decides.
        try Fixtures.push(layout: layout, tag: "two", to: reference)
        let locked = try ImageSource(state: state).resolve(reference: reference, language: "app")
        #expect(locked.fromLock)
        #expect(locked.manifestDigest == old)
        #expect(locked.configEnv == ["V=1"])
        #expect(locked.change == nil)

        // update: re-resolved, and the move is reported.
        let updated = try ImageSource(state: state).resolve(reference: reference, language: "app", update: true)
        #expect(updated.manifestDigest == new)
        #expect(updated.configEnv == ["V=2"])
        #expect(updated.change == ImageUpdate(language: "app", reference: reference, old: old, new: new))
        #expect(updated.change?.description == "app: \(reference) sha256:\(old.hex.prefix(12)) -> sha256:\(new.hex.prefix(12))")
        let ready = try ImageSource(state: state).materialize(updated)
        #expect(Fixtures.read(ready.treePath + "/etc/version") == "2\n")
        // Updating again changes nothing.
        #expect(try ImageSource(state: state).resolve(reference: reference, language: "app", update: true).change == nil)

        // Without the registry: the lock still answers, online or offline, and materialize needs nothing.
        registry.stop()
        for offline in [false, true] {
            let again = try ImageSource(state: state).resolve(reference: reference, language: "app", offline: offline)
            #expect(again.fromLock && again.manifestDigest == new)
            #expect(again.payloadDigest == ready.payloadDigest)
        }
        let reused = try ImageSource(state: state).materialize(
            try ImageSource(state: state).resolve(reference: reference, language: "app"))
        #expect(reused.payload == nil && reused.extraction == nil && reused.treePath == ready.treePath)

        // Offline, an unlocked reference (or another language, or an edited reference) is "to be resolved".
        for (language, text) in [("other", reference), ("app", "\(registry.host)/app:other")] {
            expectImageError(.notLocked, ["not resolved yet", "dotslash apply"]) {
                _ = try ImageSource(state: state).resolve(reference: text, language: language, offline: true)
            }
        }
    }

    @Test func aPinnedDigestIsNeverReResolved() throws {
        let directory = try TemporaryDirectory("lock")
        let layout = directory.file("layout").path
        let summary = try Fixtures.makeLayout(["layout": layout, "images": [
            ["tag": "t", "platform": Fixtures.hostPlatform, "layers": [["dir": try Fixtures.busyboxTree(in: directory).path]]],
        ]], in: directory)
        let registry = try TestRegistry()
        let digest = summary.images[0].digest
        let reference = "\(registry.host)/pinned@sha256:\(digest.hex)"
        try Fixtures.push(layout: layout, tag: "t", to: "\(registry.host)/pinned:t")
        let state = try Fixtures.state(in: directory)
        #expect(try ImageSource(state: state).resolve(reference: reference, language: "p").manifestDigest == digest)
        registry.stop()
        // update on a pinned reference needs no registry: it cannot change.
        let again = try ImageSource(state: state).resolve(reference: reference, language: "p", update: true)
        #expect(again.fromLock && again.manifestDigest == digest && again.change == nil)
    }

    @Test func theFileIsStableReadableJSON() throws {
        let directory = try TemporaryDirectory("lock")
        let state = try Fixtures.state(in: directory)
        var lock = ImageLock()
        let hex = String(repeating: "1", count: 64)
        lock.record(language: "python", entry: .init(
            reference: "python:3.13-slim", resolved: "docker.io/library/python:3.13-slim", platform: "linux/amd64",
            tagDigest: "sha256:" + hex, manifest: "sha256:" + hex, configDigest: "sha256:" + hex,
            config: .init(env: ["PATH=/usr/local/bin:/usr/bin"], entrypoint: [], cmd: ["python3"], workingDir: nil)))
        try lock.save(state)
        let text = Fixtures.read(ImageLock.path(in: state)) ?? ""
        #expect(text.contains(#""reference" : "python:3.13-slim""#))
        #expect(text.contains("PATH=/usr/local/bin:/usr/bin"))  // slashes are not escaped
        #expect(try ImageLock.load(state) == lock)
        try lock.save(state)
        #expect(Fixtures.read(ImageLock.path(in: state)) == text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.temporaryDirectory).isEmpty)

        try Data("{\"version\": 1, \"languages\": {\"x\": {}}}".utf8).write(to: URL(fileURLWithPath: ImageLock.path(in: state)))
        #expect(throws: ImageError.self) { try ImageLock.load(state) }
    }
}
