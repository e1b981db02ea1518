import Foundation

/// Rootfs tarballs of real interpreters built with
/// Tests/Support/make-language-rootfs (mmdebstrap from the host's apt
/// sources) and cached in `.build/test-cache/language-NAME.tar.zst`: each is
/// built once per machine and shared by every test in the process.
public enum LanguageRootfs {
    /// The languages make-language-rootfs knows.
    public static let names = ["python", "clisp", "ruby", "perl", "lua", "tcl", "guile"]

    /// The tarball for `name` (one of `names`), built on first use.
    public static func tarball(_ name: String) throws -> URL {
        try cache.result(for: name) { try build(name) }.get()
    }

    private static let cache = ResultCache()

    private static func build(_ name: String) throws -> URL {
        let target = TestPaths.cacheDir.appendingPathComponent("language-\(name).tar.zst")
        if FileManager.default.fileExists(atPath: target.path) { return target }
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/make-language-rootfs").path
        let started = Date()
        let result = try Command.run([script, name, target.path])
        guard result.status == 0 else {
            throw RootfsError(message: "make-language-rootfs \(name) failed: \(result)")
        }
        // Recorded so that slow or growing builds are noticed.
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data(
            "built \(target.lastPathComponent): \(size / 1024) KiB in \(String(format: "%.1f", seconds)) s\n".utf8))
        return target
    }

    /// One build per name even when suites ask at the same time (builds run
    /// one after another, under the lock); failures are remembered too, so a
    /// broken build is reported once, not retried by every test.
    private final class ResultCache: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [String: Result<URL, any Error>] = [:]

        func result(for name: String, _ make: () throws -> URL) -> Result<URL, any Error> {
            lock.lock()
            defer { lock.unlock() }
            if let known = results[name] { return known }
            let made = Result { try make() }
            results[name] = made
            return made
        }
    }
}
