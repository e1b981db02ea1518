import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation
import Testing
import TestSupport

/// Downloads from a real HTTP server on 127.0.0.1 with fault modes.
@Suite(.serialized) final class FetchTests {
    let temp: TemporaryDirectory
    let served: URL
    let server: HTTPServer
    let state: StateDirectory
    let good: URL
    let goodDigest: Digest

    init() throws {
        temp = try TemporaryDirectory("fetch")
        served = temp.file("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        good = try Fixtures.tarball("good", "good.tar.gz", in: served)
        goodDigest = try Fixtures.digest(of: good)
        server = try HTTPServer(root: served)
        state = try Fixtures.store(in: temp)
    }

    deinit { server.stop() }

    func fetch(_ path: String, digest: Digest? = nil, size: Int64? = nil, options: DownloadOptions = Fixtures.quickOptions,
               progress: ProgressReporter = SilentProgress()) throws -> String {
        try Downloader(options: options, progress: progress, sleep: { _ in })
            .fetch(url: server.url(path), expectedSHA256: digest ?? goodDigest, expectedSize: size, into: state)
    }

    var blobs: [String] { Fixtures.listing(state.blobsDirectory) }
    var temporaries: [String] { Fixtures.listing(state.temporaryDirectory) }

    @Test func fetchesVerifiesAndPublishesAReadOnlyBlob() throws {
        let path = try fetch("files/good.tar.gz", size: try Fixtures.size(of: good))
        #expect(path == state.blobPath(goodDigest))
        #expect(try BlobStore.digest(ofFile: path) == goodDigest)
        #expect(Fixtures.mode(path) & 0o7777 == 0o444)
        #expect(temporaries.isEmpty)
        // Already in the store: no second request.
        _ = try fetch("files/good.tar.gz")
        #expect(server.requests().count == 1)
    }

    @Test func notFoundIsNotRetriedAndSaysSo() throws {
        let error = try #require(throws: FetchError.self) { try fetch("status/404") }
        #expect(error.step == .httpStatus(404))
        #expect(error.description.contains(server.url("status/404")))
        #expect(error.description.contains("check rootfs.url"))
        #expect(server.requests().count == 1)
        #expect(blobs.isEmpty)
    }

    @Test func serviceUnavailableTwiceIsRetried() throws {
        let progress = RecordingProgress()
        _ = try fetch("flaky/a/2/good.tar.gz", progress: progress)
        #expect(server.requests().count == 3)
        #expect(blobs == [goodDigest.hex])
        #expect(progress.lines.filter { $0.hasPrefix("note HTTP status 503") && $0.contains("retrying") }.count == 2)
    }

    @Test func retriesBackOffExponentially() throws {
        var waits: [Double] = []
        var options = Fixtures.quickOptions
        options.maxAttempts = 4
        options.retryDelay = 0.5
        _ = try Downloader(options: options, sleep: { waits.append($0) })
            .fetch(url: server.url("flaky/b/3/good.tar.gz"), expectedSHA256: goodDigest, into: state)
        #expect(waits == [0.5, 1.0, 2.0])
    }

    @Test func aResponseCutShortFailsAndPublishesNothing() throws {
        let error = try #require(throws: FetchError.self) { try fetch("cut/good.tar.gz") }
        #expect(error.step == .transfer)
        #expect(error.attempts == 3)
        #expect(error.description.contains("closed early"))
        #expect(blobs.isEmpty)
        // Each retry resumed where the previous attempt stopped.
        let half = try Fixtures.size(of: good) / 2
        #expect(server.requests().dropFirst().allSatisfy { $0.range == "bytes=\(half)-" })
    }

    @Test func aTricklingServerTimesOut() throws {
        var options = Fixtures.quickOptions
        options.maxAttempts = 1
        let started = Date()
        let error = try #require(throws: FetchError.self) { try fetch("trickle/good.tar.gz", options: options) }
        #expect(error.step == .timeout)
        #expect(error.description.contains("DOTSLASH_LOW_SPEED_TIME"))
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(blobs.isEmpty)
    }

    @Test func aChainOfRedirectsIsFollowed() throws {
        _ = try fetch("redirect/6/good.tar.gz")
        #expect(server.requests().map(\.path).last == "/files/good.tar.gz")
        #expect(blobs == [goodDigest.hex])
    }

    @Test func aRedirectLoopFailsClearly() throws {
        let error = try #require(throws: FetchError.self) { try fetch("loop/a") }
        #expect(error.step == .redirect)
        #expect(error.description.contains("more than 10 redirects"))
        #expect(server.requests().count == 11)
    }

    @Test func aDigestMismatchNamesBothDigestsAndKeepsNothing() throws {
        let wrong = SHA256.hash(Array("something else".utf8))
        let error = try #require(throws: FetchError.self) { try fetch("files/good.tar.gz", digest: wrong) }
        #expect(error.step == .digest(expected: wrong, actual: goodDigest))
        for part in [server.url("files/good.tar.gz"), wrong.hex, goodDigest.hex] {
            #expect(error.description.contains(part))
        }
        #expect(blobs.isEmpty)
        #expect(temporaries.isEmpty)
    }

    @Test func aWrongExpectedSizeFails() throws {
        let size = try Fixtures.size(of: good)
        let short = try #require(throws: FetchError.self) { try fetch("files/good.tar.gz", size: size - 1) }
        #expect(short.step == .size(expected: size - 1, actual: size))
        let long = try #require(throws: FetchError.self) { try fetch("files/good.tar.gz", size: size + 1) }
        #expect(long.step == .size(expected: size + 1, actual: size))
        #expect(blobs.isEmpty)
        #expect(temporaries.isEmpty)
    }

    @Test func anInterruptedDownloadResumesWithRangeOnTheNextFetch() throws {
        let big = try Fixtures.tarball("big", "big.tar", in: served, argument: "4")
        let digest = try Fixtures.digest(of: big)
        var once = Fixtures.quickOptions
        once.maxAttempts = 1
        #expect(throws: FetchError.self) { try self.fetch("cut-once/r/big.tar", digest: digest, options: once) }
        let partial = BlobStore(state: state).partialDownloadPath(for: digest)
        let half = try Fixtures.size(of: big) / 2
        #expect(Fixtures.stat(partial)?.st_size == Int(half))
        #expect(blobs.isEmpty)

        _ = try fetch("cut-once/r/big.tar", digest: digest)
        let requests = server.requests()
        #expect(requests.count == 2)
        #expect(requests.last?.range == "bytes=\(half)-")
        #expect(try BlobStore.digest(ofFile: state.blobPath(digest)) == digest)
        #expect(temporaries.isEmpty)
    }

    @Test func aServerThatIgnoresRangeMakesTheDownloadStartOver() throws {
        let partial = BlobStore(state: state).partialDownloadPath(for: goodDigest)
        let bytes = try Data(contentsOf: good)
        try bytes.prefix(100).write(to: URL(fileURLWithPath: partial))
        _ = try fetch("norange/good.tar.gz")
        #expect(server.requests().map(\.range) == ["bytes=100-"])
        #expect(try BlobStore.digest(ofFile: state.blobPath(goodDigest)) == goodDigest)
    }

    @Test func aWrongContentRangeMakesTheDownloadStartOver() throws {
        let partial = BlobStore(state: state).partialDownloadPath(for: goodDigest)
        try Data(contentsOf: good).prefix(100).write(to: URL(fileURLWithPath: partial))
        _ = try fetch("badrange/good.tar.gz")
        #expect(server.requests().map(\.range) == ["bytes=100-", nil])
        #expect(try BlobStore.digest(ofFile: state.blobPath(goodDigest)) == goodDigest)
    }

    @Test func aCorruptPartialFileIsCaughtByTheDigest() throws {
        let partial = BlobStore(state: state).partialDownloadPath(for: goodDigest)
        try Data(repeating: 0x41, count: 100).write(to: URL(fileURLWithPath: partial))
        let error = try #require(throws: FetchError.self) { try fetch("files/good.tar.gz") }
        guard case .digest = error.step else {
            Issue.record("expected a digest error, got \(error)")
            return
        }
        #expect(blobs.isEmpty)
        // The bad partial was deleted: the next fetch converges.
        _ = try fetch("files/good.tar.gz")
        #expect(blobs == [goodDigest.hex])
    }

    @Test func aCompletePartialFileIsPublishedWithoutARequest() throws {
        let partial = BlobStore(state: state).partialDownloadPath(for: goodDigest)
        try Data(contentsOf: good).write(to: URL(fileURLWithPath: partial))
        _ = try fetch("files/good.tar.gz", size: try Fixtures.size(of: good))
        #expect(server.requests().isEmpty)
        #expect(try BlobStore.digest(ofFile: state.blobPath(goodDigest)) == goodDigest)
    }

    @Test func extraHeadersAreSent() throws {
        _ = try Downloader(options: Fixtures.quickOptions)
            .fetch(url: server.url("files/good.tar.gz"), expectedSHA256: goodDigest,
                   headers: ["Authorization: Bearer t0k3n"], into: state)
        #expect(server.requests().map(\.authorization) == ["Bearer t0k3n"])
    }

    @Test func fileURLsAreCopiedAndVerified() throws {
        let path = try Downloader(options: Fixtures.quickOptions)
            .fetch(url: "file://" + good.path, expectedSHA256: goodDigest, into: state)
        #expect(try BlobStore.digest(ofFile: path) == goodDigest)
        let error = try #require(throws: FetchError.self) {
            try Downloader(options: Fixtures.quickOptions)
                .fetch(url: "file://" + temp.file("missing.tar").path, expectedSHA256: SHA256.hash([1]), into: state)
        }
        #expect(error.step == .read)
    }

    @Test func aRefusedConnectionIsRetriedThenReported() throws {
        let url = server.url("files/good.tar.gz")
        server.stop()
        let error = try #require(throws: FetchError.self) {
            try Downloader(options: Fixtures.quickOptions, sleep: { _ in })
                .fetch(url: url, expectedSHA256: goodDigest, into: state)
        }
        #expect(error.step == .connect)
        #expect(error.attempts == 3)
        #expect(error.description.contains(url))
    }

    @Test func optionsComeFromTheEnvironment() throws {
        let options = try DownloadOptions.fromEnvironment([
            "DOTSLASH_LOW_SPEED_TIME": "7", "DOTSLASH_LOW_SPEED_LIMIT": "10", "DOTSLASH_CONNECT_TIMEOUT": "3",
            "DOTSLASH_FETCH_ATTEMPTS": "2", "DOTSLASH_RETRY_DELAY": "0.5",
        ])
        #expect(options.lowSpeedTime == 7)
        #expect(options.lowSpeedLimit == 10)
        #expect(options.connectTimeout == 3)
        #expect(options.maxAttempts == 2)
        #expect(options.retryDelay == 0.5)
        let error = try #require(throws: OptionError.self) {
            try DownloadOptions.fromEnvironment(["DOTSLASH_LOW_SPEED_TIME": "soon"])
        }
        #expect(error.description.contains("DOTSLASH_LOW_SPEED_TIME=soon"))
    }
}
