import Foundation

/// Rootfs tarballs built once with Tests/Support/make-rootfs and cached in
/// `.build/test-cache/`, shared by every test in the process.
public enum RootfsTarballs {
    /// Debian's static busybox with one symlink per applet (about 1 MB).
    public static func busybox() throws -> URL { try busyboxResult.get() }
    /// python3-minimal and its dependencies from the host's apt sources: the
    /// same tarball as the end-to-end tests' python.
    public static func python() throws -> URL { try LanguageRootfs.tarball("python") }

    private static let busyboxResult = Result { try build("busybox", file: "busybox-rootfs.tar.gz") }

    private static func build(_ kind: String, file: String) throws -> URL {
        let target = TestPaths.cacheDir.appendingPathComponent(file)
        if FileManager.default.fileExists(atPath: target.path) { return target }
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/make-rootfs").path
        let result = try Command.run([script, kind, target.path])
        guard result.status == 0 else {
            throw RootfsError(message: "make-rootfs \(kind) failed: \(result)")
        }
        return target
    }
}

public struct RootfsError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}

/// An unprivileged account of this machine for "as a user" tests: the first
/// passwd entry with a uid in 1000...65533, else nobody (65534).
public struct TestUser: Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var name: String

    public static let shared: TestUser = {
        let passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        var nobody = TestUser(uid: 65534, gid: 65534, name: "nobody")
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { continue }
            if (1000...65533).contains(uid) { return TestUser(uid: uid, gid: gid, name: String(fields[0])) }
            if uid == 65534 { nobody = TestUser(uid: uid, gid: gid, name: String(fields[0])) }
        }
        return nobody
    }()

    /// `Tests/Support/userns-run --no-binfmt --as UID:GID --`, to prefix a command.
    public var usernsRunPrefix: [String] {
        [TestPaths.packageRoot.appendingPathComponent("Tests/Support/userns-run").path,
         "--no-binfmt", "--as", "\(uid):\(gid)", "--"]
    }
}
