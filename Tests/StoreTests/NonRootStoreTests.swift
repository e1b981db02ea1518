import DotslashDigest
import DotslashStore
import Foundation
import Testing
import TestSupport

/// A user's own store, driven by store-probe as an unprivileged uid
/// (nobody, through setpriv): files become the user's, setuid bits are
/// dropped and reported, hostile tarballs are still refused, and the
/// system store is out of reach with a clear hint.
@Suite(.serialized, .enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                             "needs root to switch to an unprivileged uid"))
struct NonRootStoreTests {
    static let nobody: uid_t = 65534
    let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    let temp: TemporaryDirectory
    let statePath: String

    init() throws {
        temp = try TemporaryDirectory("nonroot")
        statePath = temp.file("home/state").path
        try FileManager.default.createDirectory(atPath: temp.file("home").path, withIntermediateDirectories: true)
        chown(temp.file("home").path, Self.nobody, Self.nobody)
    }

    func probe(_ arguments: [String], label: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try ProbeProcess.run(arguments, in: temp, label: label, prefix: asNobody)
    }

    @Test func aUserFetchesAndExtractsIntoTheirOwnStore() throws {
        let tarball = try Fixtures.tarball("setuid", "setuid.tar.gz", in: temp.url)
        let digest = try Fixtures.digest(of: tarball)
        let fetched = try probe(["fetch", "--state", statePath, "--url", "file://" + tarball.path, "--sha256", digest.hex],
                                label: "fetch")
        #expect(fetched.status == 0, "\(fetched.stderr)")
        let extracted = try probe(["extract", "--state", statePath, "--sha256", digest.hex], label: "extract")
        #expect(extracted.status == 0, "\(extracted.stderr)")
        #expect(extracted.stdout.contains("note: ./usr/bin/su: setuid bit dropped"))
        let tree = StateDirectory(path: statePath).rootfsPath(digest)
        let su = try #require(Fixtures.stat(tree + "/usr/bin/su"))
        #expect(su.st_uid == Self.nobody)
        #expect(su.st_mode & 0o7777 == 0o755)
        #expect(Fixtures.stat(statePath)?.st_uid == Self.nobody)
    }

    @Test func aUserStoreStillRefusesHostileTarballs() throws {
        let outside = temp.file("home/outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        chown(outside.path, Self.nobody, Self.nobody)
        let tarball = try Fixtures.tarball("symlink-write", "evil.tar.gz", in: temp.url, argument: outside.path)
        let digest = try Fixtures.digest(of: tarball)
        let fetched = try probe(["fetch", "--state", statePath, "--url", "file://" + tarball.path, "--sha256", digest.hex],
                                label: "fetch")
        #expect(fetched.status == 0, "\(fetched.stderr)")
        let extracted = try probe(["extract", "--state", statePath, "--sha256", digest.hex], label: "extract")
        #expect(extracted.status == 1)
        #expect(extracted.stderr.contains("Error: extracting"))
        #expect(extracted.stderr.contains("evil/pwned"))
        #expect(Fixtures.listing(outside.path).isEmpty)
    }

    @Test func theSystemStoreIsOutOfReachWithAHint() throws {
        let system = temp.file("system").path
        try StateDirectory(path: system).prepare()
        let result = try probe(["verify", "--state", system], label: "verify")
        #expect(result.status == 1)
        #expect(result.stderr.contains("Permission denied"))
        #expect(result.stderr.contains("--state-dir"))
    }
}
