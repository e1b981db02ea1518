import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation
import TestSupport

/// Tarballs, stores and downloaders shared by the store tests.
enum Fixtures {
    /// Builds `kind` with Tests/Support/make-tarball.py into `directory/name`.
    @discardableResult
    static func tarball(_ kind: String, _ name: String, in directory: URL, argument: String? = nil) throws -> URL {
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/make-tarball.py").path
        let out = directory.appendingPathComponent(name)
        let result = try Command.run(["python3", script, kind, out.path] + (argument.map { [$0] } ?? []))
        guard result.status == 0 else { throw FixtureError(message: "make-tarball.py \(kind) failed: \(result)") }
        return out
    }

    static func digest(of file: URL) throws -> Digest {
        try BlobStore.digest(ofFile: file.path)
    }

    static func size(of file: URL) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? -1
    }

    /// A prepared store under `directory/state`.
    static func store(in directory: TemporaryDirectory) throws -> StateDirectory {
        let state = StateDirectory(path: directory.file("state").path)
        try state.prepare()
        return state
    }

    /// Small limits, so failing cases end in seconds.
    static var quickOptions: DownloadOptions {
        var options = DownloadOptions()
        options.connectTimeout = 5
        options.lowSpeedLimit = 100
        options.lowSpeedTime = 2
        options.maxAttempts = 3
        options.retryDelay = 0.05
        return options
    }

    /// `store-probe`, the child process the kill and concurrency tests run.
    static var probe: String { TestPaths.binDir.appendingPathComponent("store-probe").path }

    /// Every name below `root`, relative, sorted (directories end in /).
    static func listing(_ root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var names: [String] = []
        while let name = enumerator.nextObject() as? String {
            let info = stat(root + "/" + name)
            names.append(info.map { $0.st_mode & S_IFMT == S_IFDIR } == true ? name + "/" : name)
        }
        return names.sorted()
    }

    /// lstat(2) of a path, nil when it does not exist.
    static func stat(_ path: String) -> Glibc.stat? {
        var info = Glibc.stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    static func mode(_ path: String) -> mode_t { stat(path)?.st_mode ?? 0 }

    static func exists(_ path: String) -> Bool { stat(path) != nil }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// Collects what a reporter was told, for assertions.
final class RecordingProgress: ProgressReporter {
    var lines: [String] = []
    func start(_ title: String, total: Int64?) { lines.append("start \(title)") }
    func update(done: Int64, total: Int64?) {}
    func finish(_ summary: String) { lines.append("finish \(summary)") }
    func note(_ message: String) { lines.append("note \(message)") }
}
