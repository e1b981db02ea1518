import DotslashDigest
import Foundation
import RunnerFormat
import Testing
import TestSupport

/// The trailer and settings encoding: round trips, determinism, and every
/// way a file can be truncated or corrupt.
@Suite struct RunnerFormatTests {
    static let key = String(repeating: "ab", count: 32)

    static func settings() -> RunnerSettings {
        RunnerSettings(
            language: "python", rootfsKey: key, interpreter: ["/usr/bin/python3", "-u"],
            baseEnvironment: ["PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8"], environment: ["PYTHONDONTWRITEBYTECODE=1"],
            shebang: .container, network: .none,
            mounts: [RunnerMount(hostPath: "/srv/data", containerPath: "/data", readOnly: true),
                     RunnerMount(hostPath: "/srv/é x", containerPath: "/srv/é x", readOnly: false)],
            stateDirectory: "/var/lib/dotslash", preserveArgv0: true)
    }

    /// A runner file made of `stub`, a payload and the trailer, in a temp dir.
    static func writeRunner(in directory: TemporaryDirectory, stub: String = "STUB-BYTES",
                            payload: String = "PAYLOAD", settings: RunnerSettings = settings()) throws -> (URL, RunnerTrailer) {
        let stubURL = try directory.write("stub", stub)
        let payloadURL = try directory.write("payload", payload)
        let out = directory.file("runner-\(UUID().uuidString.prefix(6))")
        let fd = open(out.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        #expect(fd >= 0)
        defer { close(fd) }
        let trailer = try RunnerWriter.write(stubPath: stubURL.path, payloadPath: payloadURL.path,
                                             settings: settings, to: fd)
        return (out, trailer)
    }

    @Test func settingsRoundTrip() throws {
        let settings = Self.settings()
        #expect(try RunnerSettings(decoding: settings.encoded()) == settings)
        let minimal = RunnerSettings(language: "sh", rootfsKey: Self.key, interpreter: ["/bin/sh"], stateDirectory: "/s")
        #expect(try RunnerSettings(decoding: minimal.encoded()) == minimal)
        #expect(settings.encoded() == Self.settings().encoded())
    }

    @Test func trailerRoundTripAndLayout() throws {
        let directory = try TemporaryDirectory("format")
        let (url, written) = try Self.writeRunner(in: directory)
        let read = try RunnerTrailer.read(path: url.path)
        #expect(read == written)
        #expect(read.payloadOffset == 10)
        #expect(read.payloadLength == 7)
        #expect(read.payloadDigest == SHA256.hash(Array("PAYLOAD".utf8)))
        let bytes = try [UInt8](Data(contentsOf: url))
        #expect(Array(bytes[0..<10]) == Array("STUB-BYTES".utf8))
        #expect(Array(bytes[10..<17]) == Array("PAYLOAD".utf8))
        #expect(Array(bytes.suffix(8)) == Array("DSRUNNER".utf8))
        #expect(bytes.count == 17 + Self.settings().encoded().count + RunnerTrailer.tailSize)
    }

    @Test func sameInputsGiveSameBytes() throws {
        let directory = try TemporaryDirectory("format")
        let (first, _) = try Self.writeRunner(in: directory)
        let (second, _) = try Self.writeRunner(in: directory)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
    }

    @Test func writerRefusesAStubThatIsAlreadyARunner() throws {
        let directory = try TemporaryDirectory("format")
        let (runner, _) = try Self.writeRunner(in: directory)
        let fd = open(directory.file("again").path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        defer { close(fd) }
        #expect(throws: RunnerFormatError.stubHasPayload(runner.path)) {
            try RunnerWriter.write(stubPath: runner.path, payloadPath: directory.file("payload").path,
                                   settings: Self.settings(), to: fd)
        }
    }

    @Test func writerRefusesInvalidSettings() throws {
        let directory = try TemporaryDirectory("format")
        var settings = Self.settings()
        settings.interpreter = ["python3"]
        #expect(throws: RunnerFormatError.self) { try Self.writeRunner(in: directory, settings: settings) }
        settings = Self.settings()
        settings.rootfsKey = "ABC"
        #expect(throws: RunnerFormatError.self) { try Self.writeRunner(in: directory, settings: settings) }
        settings = Self.settings()
        settings.environment = ["1BAD=x"]
        #expect(throws: RunnerFormatError.self) { try Self.writeRunner(in: directory, settings: settings) }
    }

    @Test func runnerIDDependsOnEveryInput() {
        let stub = SHA256.hash(Array("stub".utf8))
        let base = RunnerID.compute(stubDigest: stub, payloadDigest: Self.key, settings: Self.settings())
        #expect(base.count == 16)
        #expect(base.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(base == RunnerID.compute(stubDigest: stub, payloadDigest: Self.key, settings: Self.settings()))
        #expect(base != RunnerID.compute(stubDigest: SHA256.hash([1]), payloadDigest: Self.key, settings: Self.settings()))
        #expect(base != RunnerID.compute(stubDigest: stub, payloadDigest: String(repeating: "cd", count: 32),
                                         settings: Self.settings()))
        var other = Self.settings()
        other.network = .host
        #expect(base != RunnerID.compute(stubDigest: stub, payloadDigest: Self.key, settings: other))
    }

    // MARK: - corrupt and truncated files

    /// Rewrites `url` with `change` applied to its bytes, then reads it.
    static func readAltered(_ url: URL, _ change: (inout [UInt8]) -> Void) throws -> RunnerTrailer {
        var bytes = try [UInt8](Data(contentsOf: url))
        change(&bytes)
        try Data(bytes).write(to: url)
        return try RunnerTrailer.read(path: url.path)
    }

    static func putU32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static func putU64(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    @Test func emptyAndTinyFilesHaveNoTrailer() throws {
        let directory = try TemporaryDirectory("format")
        let empty = try directory.write("empty", "")
        #expect(throws: RunnerFormatError.self) { try RunnerTrailer.read(path: empty.path) }
        let tiny = try directory.write("tiny", "DSRUNNER")
        #expect(throws: RunnerFormatError.noTrailer) { try RunnerTrailer.read(path: tiny.path) }
        let plain = try directory.write("plain", String(repeating: "x", count: 500))
        #expect(throws: RunnerFormatError.noTrailer) { try RunnerTrailer.read(path: plain.path) }
        #expect(throws: RunnerFormatError.self) { try RunnerTrailer.read(path: directory.file("missing").path) }
    }

    @Test func truncatedRunnerIsRejected() throws {
        let directory = try TemporaryDirectory("format")
        for cut in [1, 8, 50, RunnerTrailer.tailSize, RunnerTrailer.tailSize + 20] {
            let (url, _) = try Self.writeRunner(in: directory)
            #expect(throws: RunnerFormatError.self) { try Self.readAltered(url) { $0.removeLast(cut) } }
        }
        // Cut from the front: the offsets no longer fit the file.
        let (url, _) = try Self.writeRunner(in: directory)
        #expect(throws: RunnerFormatError.self) { try Self.readAltered(url) { $0.removeFirst(5) } }
    }

    @Test func wrongMagicAndVersion() throws {
        let directory = try TemporaryDirectory("format")
        var (url, _) = try Self.writeRunner(in: directory)
        #expect(throws: RunnerFormatError.noTrailer) { try Self.readAltered(url) { $0[$0.count - 1] ^= 0xff } }
        (url, _) = try Self.writeRunner(in: directory)
        #expect(throws: RunnerFormatError.unsupportedVersion(found: 2, supported: 1)) {
            try Self.readAltered(url) { Self.putU32(2, at: $0.count - 12, in: &$0) }
        }
    }

    @Test func offsetsOutOfRange() throws {
        let directory = try TemporaryDirectory("format")
        let cases: [(Int, (inout [UInt8], Int) -> Void)] = [
            (0, { Self.putU64(0, at: $1, in: &$0) }),                     // payload offset 0
            (0, { Self.putU64(UInt64.max, at: $1, in: &$0) }),            // payload offset huge
            (8, { Self.putU64(1 << 40, at: $1, in: &$0) }),               // payload length huge
            (8, { Self.putU64(3, at: $1, in: &$0) }),                     // gap before settings
            (80, { Self.putU32(UInt32.max, at: $1, in: &$0) }),           // settings length huge
            (80, { Self.putU32(1 << 20, at: $1, in: &$0) }),              // settings longer than file
        ]
        for (field, change) in cases {
            let (url, _) = try Self.writeRunner(in: directory)
            #expect(throws: RunnerFormatError.self) {
                try Self.readAltered(url) { change(&$0, $0.count - RunnerTrailer.tailSize + field) }
            }
        }
    }

    @Test func alteredSettingsAreCaughtByTheirDigest() throws {
        let directory = try TemporaryDirectory("format")
        let (url, _) = try Self.writeRunner(in: directory)
        #expect(throws: RunnerFormatError.settingsDigestMismatch) {
            try Self.readAltered(url) { $0[$0.count - RunnerTrailer.tailSize - 3] ^= 0x01 }
        }
    }

    @Test func corruptSettingsBytesAreRejected() {
        let good = Self.settings().encoded()
        var cases: [[UInt8]] = [[], [2] + Array(good.dropFirst()), good + [0], Array(good.dropLast())]
        for cut in stride(from: 1, to: good.count, by: 7) { cases.append(Array(good.prefix(cut))) }
        var badEnum = good
        let shebangOffset = good.count - Self.tailOfSettingsAfterShebang()
        badEnum[shebangOffset] = 9
        cases.append(badEnum)
        var hugeCount = good
        hugeCount[1] = 0xff; hugeCount[2] = 0xff; hugeCount[3] = 0xff; hugeCount[4] = 0x7f
        cases.append(hugeCount)
        var invalidUTF8 = good
        invalidUTF8[5] = 0xff  // first byte of the language name
        cases.append(invalidUTF8)
        for bytes in cases {
            #expect(throws: RunnerFormatError.self) { try RunnerSettings(decoding: bytes) }
        }
    }

    /// Bytes from the shebang field to the end of the default settings.
    static func tailOfSettingsAfterShebang() -> Int {
        let settings = Self.settings()
        var tail = 3 + 4  // shebang, network, flags, mount count
        for mount in settings.mounts { tail += 8 + mount.hostPath.utf8.count + mount.containerPath.utf8.count + 1 }
        return tail + 4 + settings.stateDirectory.utf8.count
    }

    @Test func errorsReadAsSentences() {
        #expect(RunnerFormatError.noTrailer.description.contains("no dotslash trailer"))
        #expect(RunnerFormatError.system(step: "open x", errno: ENOENT).description == "open x: No such file or directory")
        #expect(RunnerFormatError.unsupportedVersion(found: 7, supported: 1).description.contains("version 7"))
    }

    /// bench/make-runner writes the format from docs/runner.md independently;
    /// the two writers must agree byte for byte.
    @Test func documentedFormatMatchesTheWriter() throws {
        let directory = try TemporaryDirectory("format")
        let (url, _) = try Self.writeRunner(in: directory)
        let script = TestPaths.packageRoot.appendingPathComponent("bench/make-runner").path
        let settings = Self.settings()
        let other = directory.file("python-written")
        var argv = [script, "--stub", directory.file("stub").path, "--payload", directory.file("payload").path,
                    "--out", other.path, "--language", settings.language, "--state-dir", settings.stateDirectory,
                    "--key", settings.rootfsKey, "--shebang", "container", "--network", "none", "--preserve-argv0"]
        for entry in settings.baseEnvironment { argv += ["--base-env", entry] }
        for entry in settings.environment { argv += ["--env", entry] }
        for mount in settings.mounts {
            argv += ["--mount", "\(mount.hostPath):\(mount.containerPath)\(mount.readOnly ? ":ro" : "")"]
        }
        argv += ["--"] + settings.interpreter
        let result = try Command.run(argv)
        #expect(result.status == 0, "\(result)")
        #expect(try Data(contentsOf: url) == Data(contentsOf: other))
    }
}
