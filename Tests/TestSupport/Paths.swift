import Foundation

/// Where the tests find the package and its built products.
public enum TestPaths {
    /// The package root (the directory that holds Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The build products: `DOTSLASH_BIN_DIR` (set by `make test`), else `.build/debug`.
    public static var binDir: URL {
        if let dir = ProcessInfo.processInfo.environment["DOTSLASH_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }

    public static var dotslash: URL { binDir.appendingPathComponent("dotslash") }
    public static var runnerStub: URL { binDir.appendingPathComponent("dotslash-runner") }

    /// Long-lived artefacts the tests build once and reuse between runs
    /// (rootfs trees, tarballs): `.build/test-cache`.
    public static var cacheDir: URL {
        let url = packageRoot.appendingPathComponent(".build/test-cache")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
