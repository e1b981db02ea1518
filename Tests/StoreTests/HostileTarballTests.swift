import DotslashDigest
import DotslashStore
import Foundation
import Testing
import TestSupport

/// Tarballs that try to write outside their tree, or carry what a rootfs
/// must not: each is refused or defused, and nothing outside the tree changes.
@Suite struct HostileTarballTests {
    let sandbox: TemporaryDirectory
    let state: StateDirectory
    let outside: URL

    init() throws {
        sandbox = try TemporaryDirectory("hostile")
        state = try Fixtures.store(in: sandbox)
        outside = sandbox.file("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try sandbox.write("outside/target", "precious\n")
    }

    /// Extracts a hostile case; returns the error and checks the invariants:
    /// nothing under rootfs/, nothing left in tmp/, nothing new anywhere.
    func refuse(_ kind: String, argument: String? = nil) throws -> StoreError {
        let tarball = try Fixtures.tarball(kind, kind + ".tar.gz", in: sandbox.url, argument: argument)
        let digest = try addBlob(tarball, to: state)
        let before = Fixtures.listing(sandbox.path)
        let error = try #require(throws: StoreError.self) {
            try RootfsExtractor(state: state).extract(blob: digest)
        }
        #expect(Fixtures.listing(sandbox.path) == before)
        #expect(Fixtures.listing(state.rootfsDirectory).isEmpty)
        #expect(Fixtures.listing(state.temporaryDirectory).isEmpty)
        #expect(try String(contentsOf: outside.appendingPathComponent("target"), encoding: .utf8) == "precious\n")
        #expect(error.description.contains("nothing was extracted"))
        return error
    }

    func offenders(_ error: StoreError) -> [String] {
        guard case .hostileArchive(let members) = error.kind else { return [] }
        return members.map(\.name)
    }

    @Test func dotDotTraversalIsRefused() throws {
        let error = try refuse("dotdot")
        #expect(offenders(error) == ["../escape-dotdot", "a/../../escape-dotdot2"])
        #expect(error.description.contains("../escape-dotdot: path contains '..'"))
    }

    @Test func absolutePathsAreRefused() throws {
        let target = sandbox.file("absolute-escape").path
        let error = try refuse("absolute", argument: target)
        #expect(offenders(error) == [target])
        #expect(error.description.contains("absolute path"))
        #expect(!Fixtures.exists(target))
    }

    @Test func writingThroughASymlinkIsRefused() throws {
        let error = try refuse("symlink-write", argument: outside.path)
        #expect(offenders(error) == ["evil/pwned"])
        #expect(Fixtures.listing(outside.path) == ["target"])
    }

    @Test func hardLinksOutOfTheTreeAreRefused() throws {
        let target = outside.appendingPathComponent("target").path
        let error = try refuse("hardlink-outside", argument: target)
        #expect(offenders(error) == ["link-up", "link-abs"])
        #expect(error.description.contains("hard link target ../outside-target contains '..'"))
        #expect(Fixtures.stat(target)?.st_nlink == 1)
    }

    @Test func deviceNodesAreSkippedAndReported() throws {
        let digest = try addBlob(try Fixtures.tarball("device", "device.tar.gz", in: sandbox.url), to: state)
        let report = try RootfsExtractor(state: state).extract(blob: digest)
        #expect(report.skipped.map(\.name) == ["./dev/null", "./dev/sda"])
        #expect(report.skipped.allSatisfy { $0.reason.contains("device node skipped") })
        #expect(Fixtures.listing(report.path + "/dev").isEmpty)
        #expect(Fixtures.exists(report.path + "/etc/os-release"))
    }

    @Test func setuidBitsAreDroppedForAUserStore() throws {
        let digest = try addBlob(try Fixtures.tarball("setuid", "setuid.tar.gz", in: sandbox.url), to: state)
        let options = ExtractionOptions(keepOwnership: false, keepSetuid: false)
        let report = try RootfsExtractor(state: state, options: options).extract(blob: digest)
        #expect(Fixtures.mode(report.path + "/usr/bin/su") & 0o7777 == 0o755)
        #expect(Fixtures.mode(report.path + "/usr/bin/wall") & 0o7777 == 0o755)
        #expect(report.modesChanged == [
            ArchiveMember(name: "./usr/bin/su", reason: "setuid bit dropped"),
            ArchiveMember(name: "./usr/bin/wall", reason: "setgid bit dropped"),
        ])
    }

    @Test(.enabled(if: geteuid() == 0, "keeping setuid bits needs root"))
    func rootKeepsSetuidBitsForTheSystemStore() throws {
        let digest = try addBlob(try Fixtures.tarball("setuid", "setuid.tar.gz", in: sandbox.url), to: state)
        let report = try RootfsExtractor(state: state, options: .forCurrentUser()).extract(blob: digest)
        #expect(Fixtures.mode(report.path + "/usr/bin/su") & 0o7777 == 0o4755)
        #expect(report.modesChanged.isEmpty)
        #expect(Fixtures.stat(report.path + "/usr/bin/su")?.st_uid == 0)
    }
}
