import DotslashDigest
import DotslashStore
import Foundation
import Testing
import TestSupport

/// `kill -9` at many points of a download and of an extraction, in a child
/// process (store-probe): the store stays valid (no final name ever holds a
/// wrong object) and the next run converges.
@Suite(.serialized) struct CrashSafetyTests {
    /// Every blob's content matches its name; every rootfs tree is complete.
    func checkStoreIsValid(_ state: StateDirectory, treeSize: Int? = nil) throws {
        for name in Fixtures.listing(state.blobsDirectory) {
            let digest = try #require(Digest(hex: name))
            #expect(try BlobStore.digest(ofFile: state.blobPath(digest)) == digest, "blob \(name)")
        }
        guard let treeSize else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: state.rootfsDirectory) {
            #expect(Fixtures.listing(state.rootfsDirectory + "/" + name).count == treeSize, "tree \(name)")
        }
    }

    /// Polls until `condition` holds (at most `seconds`).
    func waitUntil(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2_000)
        }
        return false
    }

    /// A store, and a server for a `big` tarball of `mebibytes`.
    func serveBigTarball(_ mebibytes: Int, in temp: TemporaryDirectory)
        throws -> (server: HTTPServer, state: StateDirectory, big: URL, digest: Digest) {
        let served = temp.file("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        let big = try Fixtures.tarball("big", "big.tar", in: served, argument: String(mebibytes))
        return (try HTTPServer(root: served), try Fixtures.store(in: temp), big, try Fixtures.digest(of: big))
    }

    @Test func killedDownloadsNeverPublishAndResume() throws {
        let temp = try TemporaryDirectory("crash-fetch")
        let (server, state, big, digest) = try serveBigTarball(12, in: temp)
        defer { server.stop() }
        let partial = BlobStore(state: state).partialDownloadPath(for: digest)
        let arguments = ["fetch", "--state", state.root, "--url", server.url("slow/6000000/big.tar"),
                         "--sha256", digest.hex, "--size", String(try Fixtures.size(of: big))]

        for (index, threshold) in [1 << 20, 4 << 20, 8 << 20].enumerated() {
            let probe = try ProbeProcess(arguments, in: temp, label: "fetch\(index)")
            let reached = waitUntil { (Fixtures.stat(partial)?.st_size ?? 0) >= threshold }
            probe.killHard()
            #expect(reached, "the download never reached \(threshold) bytes: \(probe.stderr)")
            #expect(Fixtures.listing(state.blobsDirectory).isEmpty)
            try checkStoreIsValid(state)
        }
        let last = try ProbeProcess(arguments, in: temp, label: "fetch-final")
        #expect(last.wait() == 0, "\(last.stderr)")
        #expect(Fixtures.listing(state.blobsDirectory) == [digest.hex])
        try checkStoreIsValid(state)
        // Every restart after the first resumed from what the killed one had written.
        let ranges = server.requests().compactMap(\.range)
        #expect(ranges.count == 3)
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)
    }

    @Test func killedExtractionsNeverPublishAHalfTree() throws {
        let temp = try TemporaryDirectory("crash-extract")
        let state = try Fixtures.store(in: temp)
        let digest = try addBlob(try Fixtures.tarball("many", "many.tar.gz", in: temp.url), to: state)
        let arguments = ["extract", "--state", state.root, "--sha256", digest.hex]
        let tree = state.rootfsPath(digest)
        var killedMidway = 0
        for (index, delay) in [20, 80, 200, 400, 700].enumerated() {
            let probe = try ProbeProcess(arguments, in: temp, label: "extract\(index)",
                                         environment: ["DOTSLASH_PROGRESS": "none"])
            usleep(UInt32(delay * 1000))
            probe.killHard()
            // Published means complete.
            try checkStoreIsValid(state, treeSize: 20_100)
            if Fixtures.exists(tree) { break }
            if Fixtures.listing(state.temporaryDirectory).contains(where: { $0.hasPrefix("rootfs-") }) { killedMidway += 1 }
        }
        #expect(killedMidway >= 1, "no kill landed during an extraction")
        let last = try ProbeProcess(arguments, in: temp, label: "extract-final")
        #expect(last.wait() == 0, "\(last.stderr)")
        #expect(Fixtures.listing(tree).count == 20_100)
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)
        try checkStoreIsValid(state, treeSize: 20_100)
    }

    @Test func twoConcurrentFetchesAreSerializedByTheLockAndBothSucceed() throws {
        let temp = try TemporaryDirectory("concurrent")
        let (server, state, _, digest) = try serveBigTarball(2, in: temp)
        defer { server.stop() }
        // About a second per download: the second probe starts while the first holds the lock.
        let arguments = ["fetch", "--state", state.root, "--url", server.url("slow/2000000/big.tar"), "--sha256", digest.hex]
        let first = try ProbeProcess(arguments, in: temp, label: "first")
        let second = try ProbeProcess(arguments, in: temp, label: "second")
        #expect(first.wait() == 0, "\(first.stderr)")
        #expect(second.wait() == 0, "\(second.stderr)")
        #expect(first.stdout == second.stdout)
        #expect(first.stdout == state.blobPath(digest) + "\n")
        let waited = [first, second].filter { $0.stderr.contains("waiting for the store lock held by another dotslash (pid ") }
        #expect(waited.count == 1, "\(first.stderr)\n---\n\(second.stderr)")
        // The one that waited found the blob published: one download in all.
        #expect(server.requests().count == 1)
    }
}
