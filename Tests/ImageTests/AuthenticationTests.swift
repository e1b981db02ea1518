@testable import DotslashImage
import Foundation
import Testing
import TestSupport

@Suite struct AuthenticationTests {
    @Test func dockerHubChallenge() {
        let challenges = AuthChallenge.parse(header:
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull""#)
        #expect(challenges.count == 1)
        #expect(challenges.first?.scheme == "bearer")
        #expect(challenges.first?.realm == "https://auth.docker.io/token")
        #expect(challenges.first?.service == "registry.docker.io")
        #expect(challenges.first?.scope == "repository:library/python:pull")
    }

    @Test func severalChallengesQuotingAndCase() {
        let challenges = AuthChallenge.parse(header:
            #"Basic realm="Registry \"R\"", BEARER Realm=https://a.example/t, Service = "svc""#)
        #expect(challenges.map(\.scheme) == ["basic", "bearer"])
        #expect(challenges.first?.realm == #"Registry "R""#)
        #expect(challenges.last?.realm == "https://a.example/t")
        #expect(challenges.last?.service == "svc")
        #expect(AuthChallenge.parse(header: "").isEmpty)
    }

    func credentials(_ json: String, file: String = ".docker/config.json",
                     extra: [String: String] = [:]) throws -> (RegistryCredentials, TemporaryDirectory) {
        let home = try TemporaryDirectory("home")
        try home.write(file, json)
        return (RegistryCredentials(environment: ["HOME": home.path].merging(extra) { $1 }), home)
    }

    @Test func dockerConfigAuthEntries() throws {
        let alice = Data("alice:s3:cret".utf8).base64EncodedString()
        let (store, home) = try credentials("""
            {"auths": {"https://index.docker.io/v1/": {"auth": "\(alice)"},
                       "127.0.0.1:5000": {"username": "bob", "password": "pw"},
                       "ghcr.io": {}}}
            """)
        let hub = try store.credential(for: "docker.io", reference: "python")
        #expect(hub?.username == "alice")
        #expect(hub?.password == "s3:cret")
        #expect(hub?.source == home.path + "/.docker/config.json")
        #expect(hub?.basicAuthorization == "Basic " + alice)
        #expect(try store.credential(for: "127.0.0.1:5000", reference: "x")?.username == "bob")
        #expect(try store.credential(for: "ghcr.io", reference: "x") == nil)
        #expect(try store.credential(for: "quay.io", reference: "x") == nil)
    }

    @Test func registryAuthFileComesFirst() throws {
        let (store, home) = try credentials(#"{"auths": {"quay.io": {"auth": "\#(Data("docker:1".utf8).base64EncodedString())"}}}"#)
        try home.write("podman/auth.json", #"{"auths": {"quay.io": {"auth": "\#(Data("podman:2".utf8).base64EncodedString())"}}}"#)
        let podman = RegistryCredentials(environment: ["HOME": home.path, "REGISTRY_AUTH_FILE": home.path + "/podman/auth.json"])
        #expect(try podman.credential(for: "quay.io", reference: "x")?.username == "podman")
        #expect(try store.credential(for: "quay.io", reference: "x")?.username == "docker")
    }

    @Test func damagedConfigIsAnError() throws {
        for json in ["{not json", #"{"auths": {"ghcr.io": {"auth": "bm90LWEtcGFpcg=="}}}"#] {
            let (store, home) = try credentials(json)
            #expect(throws: ImageError.self) { try store.credential(for: "ghcr.io", reference: "x") }
            withExtendedLifetime(home) {}
        }
        // No file at all is simply no credentials.
        #expect(try RegistryCredentials(environment: ["HOME": "/nonexistent"]).credential(for: "ghcr.io", reference: "x") == nil)
    }
}
