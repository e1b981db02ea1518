import DotslashDigest
import DotslashStore
import Foundation
import Testing
import TestSupport

@Suite struct GarbageCollectorTests {
    @Test func listsThenDeletesOnlyWhatNothingReferences() throws {
        let temp = try TemporaryDirectory("gc")
        let state = try Fixtures.store(in: temp)
        let kept = try addBlob(try Fixtures.tarball("good", "good.tar.gz", in: temp.url), to: state)
        let unused = try addBlob(try Fixtures.tarball("setuid", "setuid.tar.gz", in: temp.url), to: state)
        try RootfsExtractor(state: state).extract(blob: kept)
        try RootfsExtractor(state: state).extract(blob: unused)
        try temp.write("state/runners/python-0123456789abcdef", "runner")
        try temp.write("state/runners/python-fedcba9876543210", "old runner!")
        try temp.write("state/tmp/download-x.partial", "12345")
        try temp.write("state/blobs/sha256/README", "not a digest: left alone")
        let references = StoreReferences(blobs: [kept], rootfs: [kept], runners: ["python-0123456789abcdef"])
        let collector = GarbageCollector(state: state)

        let plan = try collector.collect(keeping: references, dryRun: true)
        #expect(!plan.deleted)
        #expect(plan.items.map(\.kind) == [.blob, .rootfs, .runner, .temporary])
        #expect(plan.items.map(\.path) == [
            state.blobPath(unused), state.rootfsPath(unused), state.runnerPath("python-fedcba9876543210"),
            state.temporaryDirectory + "/download-x.partial",
        ])
        let blobSize = try Fixtures.size(of: URL(fileURLWithPath: state.blobPath(unused)))
        #expect(plan.items[0].bytes == blobSize)
        // Files of 51 bytes (a hard link counted once), symlinks of 15 and 13, two 10-byte scripts.
        #expect(plan.items[1].bytes == 51 + 15 + 13 + 10 + 10)
        #expect(plan.items[2].bytes == 11)
        #expect(plan.totalBytes == plan.items.reduce(0) { $0 + $1.bytes })
        #expect(plan.summary.hasPrefix("would delete 4 objects"))
        #expect(Fixtures.exists(state.rootfsPath(unused)))

        let done = try collector.collect(keeping: references, dryRun: false)
        #expect(done.items == plan.items)
        #expect(done.summary.hasPrefix("deleted 4 objects"))
        #expect(Set(Fixtures.listing(state.blobsDirectory)) == ["README", kept.hex])
        #expect(Fixtures.listing(state.rootfsDirectory).first == kept.hex + "/")
        #expect(Fixtures.listing(state.runnersDirectory) == ["python-0123456789abcdef"])
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)

        let nothing = try collector.collect(keeping: references, dryRun: false)
        #expect(nothing.items.isEmpty)
    }
}

@Suite struct ProgressTests {
    @Test func withoutATerminalEachStepIsOneLine() {
        var text = ""
        let progress = Progress.standard(environment: [:], isTerminal: false, output: { text += $0 })
        progress.start("download python.tar.gz", total: 3 << 20)
        progress.update(done: 1 << 20, total: nil)
        progress.note("retrying")
        progress.finish("3.0 MiB in 1.0s")
        #expect(text == "download python.tar.gz (3.0 MiB)...\nretrying\ndownload python.tar.gz: 3.0 MiB in 1.0s\n")
    }

    @Test func onATerminalABarWithRateAndColourUnlessNoColor() {
        var coloured = ""
        let bar = Progress.standard(environment: [:], isTerminal: true, output: { coloured += $0 })
        bar.start("extract 0123", total: 100)
        bar.finish("done")
        #expect(coloured.contains("\r"))
        #expect(coloured.contains("[------------------------]"))
        #expect(coloured.contains("\u{1B}[32m"))

        var plain = ""
        let noColour = Progress.standard(environment: ["NO_COLOR": "1"], isTerminal: true, output: { plain += $0 })
        noColour.start("extract 0123", total: 100)
        noColour.finish("done")
        #expect(plain.contains("✓ extract 0123: done\n"))
        #expect(!plain.contains("\u{1B}[3"))
    }

    @Test func sizesAndDurationsReadWell() {
        #expect(ByteFormat.size(512) == "512 B")
        #expect(ByteFormat.size(1536) == "1.5 KiB")
        #expect(ByteFormat.size(5 << 30) == "5.0 GiB")
        #expect(ByteFormat.duration(75) == "1:15")
        #expect(ByteFormat.duration(3725) == "1:02:05")
    }
}
