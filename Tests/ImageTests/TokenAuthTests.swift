import DotslashDigest
@testable import DotslashImage
import DotslashStore
import Foundation
import Testing
import TestSupport

/// A registry behind bearer-token auth (`auth: token:` with a certificate
/// made by openssl at test time) and tests/Support/tokenserver.py: the
/// anonymous token flow, and credentials from ~/.docker/config.json.
@Suite(.serialized) struct TokenAuthTests {
    /// One registry with a public and a private repository holding the same image.
    final class World: @unchecked Sendable {
        let directory: TemporaryDirectory
        let registry: TestRegistry
        let manifest: Digest

        init() throws {
            directory = try TemporaryDirectory("token-auth")
            registry = try TestRegistry(withTokenAuth: true, users: ["alice:s3cret"], publicRepositories: ["pub/busybox"])
            let layout = directory.file("layout").path
            let tree = try Fixtures.busyboxTree(in: directory)
            let summary = try Fixtures.makeLayout(["layout": layout, "images": [
                ["tag": "1", "platform": Fixtures.hostPlatform, "layers": [["dir": tree.path]]],
            ]], in: directory)
            manifest = summary.images[0].digest
            for repository in ["pub/busybox", "private/busybox"] {
                try Fixtures.push(layout: layout, tag: "1", to: "\(registry.host)/\(repository):1", credentials: "alice:s3cret")
            }
        }

        /// An empty HOME, or one whose ~/.docker/config.json logs in as user:password.
        func home(login: String? = nil) throws -> TemporaryDirectory {
            let home = try TemporaryDirectory("home")
            if let login {
                try home.write(".docker/config.json", """
                    {"auths": {"\(registry.host)": {"auth": "\(Data(login.utf8).base64EncodedString())"}}}
                    """)
            }
            return home
        }

        func source(home: TemporaryDirectory, _ name: String) throws -> ImageSource {
            ImageSource(state: try Fixtures.state(in: directory, name), environment: ["HOME": home.path])
        }

        deinit { registry.stop() }
    }

    @Test func anonymousTokensAndSavedCredentials() throws {
        let world = try World()
        let host = world.registry.host

        // Anonymous: the challenge's realm hands out a pull token for the public repository.
        let anonymous = try world.home()
        let source = try world.source(home: anonymous, "anonymous")
        let resolved = try source.resolve(reference: "\(host)/pub/busybox:1", language: "pub")
        #expect(resolved.manifestDigest == world.manifest)
        #expect(FileManager.default.fileExists(atPath: try source.materialize(resolved).treePath + "/bin/busybox"))
        let anonymousRequests = world.registry.tokenRequests().filter { $0.user == nil }
        #expect(!anonymousRequests.isEmpty)
        #expect(anonymousRequests.allSatisfy { $0.scopes == ["repository:pub/busybox:pull"] })

        // Anonymous on the private repository: refused, with the way out.
        expectImageError(.authentication, ["refused anonymous access to private/busybox", "docker login \(host)"]) {
            _ = try world.source(home: anonymous, "private-anonymous").resolve(reference: "\(host)/private/busybox:1", language: "p")
        }

        // Logged in through ~/.docker/config.json: the token service sees the user.
        let alice = try world.home(login: "alice:s3cret")
        let logged = try world.source(home: alice, "alice")
        let priv = try logged.resolve(reference: "\(host)/private/busybox:1", language: "private")
        #expect(priv.manifestDigest == world.manifest)
        #expect(FileManager.default.fileExists(atPath: try logged.materialize(priv).treePath + "/bin/busybox"))
        #expect(world.registry.tokenRequests().contains { $0.user == "alice" && $0.scopes == ["repository:private/busybox:pull"] })

        // A wrong password is named with the file it came from.
        let mallory = try world.home(login: "alice:wrong")
        expectImageError(.authentication, ["refused the credentials for user 'alice'", mallory.path + "/.docker/config.json"]) {
            _ = try world.source(home: mallory, "mallory").resolve(reference: "\(host)/private/busybox:1", language: "m")
        }
    }
}
