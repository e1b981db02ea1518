// store-probe: drives the store's fetch and extraction in a process of its
// own, so tests can kill it at any moment (kill -9) and benchmarks can time
// it. Not installed; built with the package for tests and bench/.
//
//   store-probe fetch   --state DIR --url URL --sha256 HEX [--size N]
//   store-probe extract --state DIR --sha256 HEX [--drop-setuid]
//   store-probe verify  --state DIR
//
// Every command takes the store lock first. Progress goes to stderr
// (DOTSLASH_PROGRESS=none silences it); results to stdout; failures print
// `Error: ...` and exit 1.
import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation

struct UsageError: Error, CustomStringConvertible {
    var description: String
}

func value(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func required(_ name: String, in arguments: [String]) throws -> String {
    guard let text = value(name, in: arguments) else { throw UsageError(description: "missing \(name)") }
    return text
}

func digest(in arguments: [String]) throws -> Digest {
    let text = try required("--sha256", in: arguments)
    guard let digest = Digest(hex: text) else { throw UsageError(description: "--sha256 needs 64 hex digits") }
    return digest
}

func run(_ arguments: [String]) throws {
    guard let command = arguments.first else {
        throw UsageError(description: "usage: store-probe fetch|extract|verify --state DIR ...")
    }
    let environment = ProcessInfo.processInfo.environment
    let progress: ProgressReporter = environment["DOTSLASH_PROGRESS"] == "none"
        ? SilentProgress() : Progress.standard(environment: environment)
    let state = StateDirectory(path: try required("--state", in: arguments))
    try state.prepare()
    let lock = try StoreLock(state: state, onWait: progress.note)
    defer { lock.unlock() }

    switch command {
    case "fetch":
        let size = value("--size", in: arguments).flatMap { Int64($0) }
        let downloader = Downloader(options: try DownloadOptions.fromEnvironment(environment), progress: progress)
        let path = try downloader.fetch(url: try required("--url", in: arguments),
                                        expectedSHA256: try digest(in: arguments), expectedSize: size, into: state)
        print(path)
    case "extract":
        var options = ExtractionOptions.forCurrentUser()
        if arguments.contains("--drop-setuid") { options.keepSetuid = false }
        let report = try RootfsExtractor(state: state, options: options, progress: progress)
            .extract(blob: try digest(in: arguments))
        print(report.path)
        for member in report.skipped + report.modesChanged { print("note: \(member)") }
    case "verify":
        let blobs = BlobStore(state: state)
        for name in try FileManager.default.contentsOfDirectory(atPath: state.blobsDirectory).sorted() {
            guard let digest = Digest(hex: name), try blobs.contains(digest, rehash: true) else {
                throw UsageError(description: "blob \(name) does not match its name")
            }
        }
        print("ok")
    default:
        throw UsageError(description: "unknown command \(command)")
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
