import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation
import Testing
import TestSupport

/// Puts `tarball` into the store as a blob (through a file URL) and returns its digest.
func addBlob(_ tarball: URL, to state: StateDirectory) throws -> Digest {
    let digest = try Fixtures.digest(of: tarball)
    try Downloader().fetch(url: "file://" + tarball.path, expectedSHA256: digest, into: state)
    return digest
}

@Suite struct ExtractionTests {
    static let goodTree = [
        "bin/", "bin/sh", "etc/", "etc/alternative", "etc/os-release", "etc/secret", "proc/", "tmp/", "tmp/fifo",
        "usr/", "usr/bin/", "usr/bin/tool", "usr/bin/tool-link", "usr/lib/", "usr/lib/group-writable",
    ]

    @Test(arguments: ["good.tar", "good.tar.gz", "good.tar.xz", "good.tar.bz2", "good.tar.zst"])
    func extractsEveryCompression(_ name: String) throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let tarball: URL
        if name.hasSuffix(".zst") {
            let plain = try Fixtures.tarball("good", "good.tar", in: temp.url)
            tarball = temp.file(name)
            let result = try Command.run(["zstd", "-q", plain.path, "-o", tarball.path])
            #expect(result.status == 0, "\(result)")
        } else {
            tarball = try Fixtures.tarball("good", name, in: temp.url)
        }
        let digest = try addBlob(tarball, to: state)
        let report = try RootfsExtractor(state: state).extract(blob: digest)
        let tree = state.rootfsPath(digest)
        #expect(report.path == tree)
        #expect(!report.alreadyPresent)
        #expect(Fixtures.listing(tree) == Self.goodTree)
        #expect(try String(contentsOfFile: tree + "/etc/os-release", encoding: .utf8) == "NAME=dotslash-test\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tree + "/etc/alternative") == "/usr/bin/tool")
        #expect(Fixtures.stat(tree + "/usr/bin/tool")?.st_ino == Fixtures.stat(tree + "/usr/bin/tool-link")?.st_ino)
        #expect(Fixtures.mode(tree + "/tmp/fifo") & S_IFMT == S_IFIFO)
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)
    }

    @Test func theTreeIsWritableByNobodyButItsOwner() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let digest = try addBlob(try Fixtures.tarball("good", "good.tar.gz", in: temp.url), to: state)
        let tree = try RootfsExtractor(state: state).extract(blob: digest).path
        for name in [""] + Fixtures.listing(tree) {
            let mode = Fixtures.mode(tree + "/" + name)
            if mode & S_IFMT == S_IFLNK { continue }
            #expect(mode & 0o022 == 0, "\(name) has mode \(String(mode & 0o7777, radix: 8))")
        }
        #expect(Fixtures.mode(tree + "/usr/lib/group-writable") & 0o7777 == 0o644)
        #expect(Fixtures.mode(tree + "/usr/bin/tool") & 0o7777 == 0o755)
        #expect(Fixtures.mode(tree + "/etc/secret") & 0o7777 == 0o640)
        #expect(Fixtures.mode(tree + "/proc") & 0o7777 == 0o555)
        #expect(Fixtures.mode(tree) & 0o7777 == 0o755)
    }

    @Test func aSecondExtractionReusesTheTree() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let digest = try addBlob(try Fixtures.tarball("good", "good.tar.gz", in: temp.url), to: state)
        _ = try RootfsExtractor(state: state).extract(blob: digest)
        let again = try RootfsExtractor(state: state).extract(blob: digest)
        #expect(again.alreadyPresent)
    }

    @Test func aFileThatIsNotATarballIsRefused() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let page = try temp.write("page.html", "<html>not found</html>\n")
        let digest = try addBlob(page, to: state)
        let error = try #require(throws: StoreError.self) { try RootfsExtractor(state: state).extract(blob: digest) }
        #expect(error.kind == .archive)
        #expect(error.description.contains("not a tarball"))
        #expect(Fixtures.listing(state.rootfsDirectory).isEmpty)
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)
    }

    @Test func aTruncatedTarballLeavesNothing() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let whole = try Data(contentsOf: try Fixtures.tarball("many", "many.tar.gz", in: temp.url, argument: "2000"))
        let cut = temp.file("cut.tar.gz")
        try whole.prefix(whole.count / 2).write(to: cut)
        let digest = try addBlob(cut, to: state)
        let error = try #require(throws: StoreError.self) { try RootfsExtractor(state: state).extract(blob: digest) }
        #expect(error.kind == .archive)
        #expect(Fixtures.listing(state.rootfsDirectory).isEmpty)
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)
    }

    @Test func aMissingBlobIsReported() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let error = try #require(throws: StoreError.self) {
            try RootfsExtractor(state: state).extract(blob: SHA256.hash([1, 2, 3]))
        }
        #expect(error.kind == .missing)
        #expect(error.description.contains("dotslash fetch"))
    }

    @Test func twentyThousandSmallFiles() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let digest = try addBlob(try Fixtures.tarball("many", "many.tar.gz", in: temp.url), to: state)
        let report = try RootfsExtractor(state: state).extract(blob: digest)
        #expect(report.entries == 20_000 + 101)
        #expect(Fixtures.listing(report.path).count == 20_000 + 100)
        #expect(try String(contentsOfFile: report.path + "/d99/f19999", encoding: .utf8) == "file 19999\n")
    }

    @Test func namesOf255BytesAndLongPaths() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let digest = try addBlob(try Fixtures.tarball("longnames", "long.tar.xz", in: temp.url), to: state)
        let tree = try RootfsExtractor(state: state).extract(blob: digest).path
        #expect(Fixtures.exists(tree + "/" + String(repeating: "a", count: 255)))
        let deepest = Fixtures.listing(tree).max { $0.utf8.count < $1.utf8.count } ?? ""
        #expect(deepest.utf8.count > 1000)
        #expect(deepest.hasSuffix(String(repeating: "b", count: 255)))
    }

    @Test func progressReportsTheStep() throws {
        let temp = try TemporaryDirectory("extract")
        let state = try Fixtures.store(in: temp)
        let digest = try addBlob(try Fixtures.tarball("good", "good.tar.gz", in: temp.url), to: state)
        let progress = RecordingProgress()
        _ = try RootfsExtractor(state: state, progress: progress).extract(blob: digest)
        #expect(progress.lines.first == "start extract \(digest.hex.prefix(12))")
        #expect(progress.lines.last?.hasPrefix("finish 16 entries") == true)
    }
}
