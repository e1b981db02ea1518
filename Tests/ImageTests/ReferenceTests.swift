import DotslashDigest
@testable import DotslashImage
import Testing

@Suite struct ReferenceTests {
    let hex = String(repeating: "ab", count: 32)

    func registry(_ text: String) throws -> RegistryImage {
        guard case .registry(let image) = try ImageReference(parsing: text) else {
            Issue.record("\(text) is not a registry reference")
            throw FixtureError("not a registry reference")
        }
        return image
    }

    @Test func dockerHubOfficialImage() throws {
        let image = try registry("python:3.13-slim")
        #expect(image.domain == "docker.io")
        #expect(image.repository == "library/python")
        #expect(image.tag == "3.13-slim")
        #expect(image.digest == nil)
        #expect(image.apiHost == "registry-1.docker.io")
        #expect(image.repositoryURL == "https://registry-1.docker.io/v2/library/python")
        #expect(image.canonical == "docker.io/library/python:3.13-slim")
        #expect(image.manifestReference == "3.13-slim")
    }

    @Test func defaultTagIsLatest() throws {
        #expect(try registry("python").tag == "latest")
        #expect(try registry("clfoundation/sbcl").canonical == "docker.io/clfoundation/sbcl:latest")
        #expect(try registry("docker.io/python").repository == "library/python")
        #expect(try registry("index.docker.io/library/ruby:3").canonical == "docker.io/library/ruby:3")
    }

    @Test func otherRegistries() throws {
        let ghcr = try registry("ghcr.io/owner/name:tag")
        #expect(ghcr.domain == "ghcr.io")
        #expect(ghcr.repository == "owner/name")
        #expect(ghcr.scheme == "https")
        #expect(ghcr.repositoryURL == "https://ghcr.io/v2/owner/name")
        #expect(try registry("quay.io/a/b/c:1").repository == "a/b/c")
        #expect(try registry("example.com:5000/x").scheme == "https")
    }

    @Test func pinnedByDigest() throws {
        let image = try registry("registry.example:5000/team/tool@sha256:\(hex)")
        #expect(image.domain == "registry.example:5000")
        #expect(image.tag == nil)
        #expect(image.digest == Digest(hex: hex))
        #expect(image.manifestReference == "sha256:" + hex)
        #expect(try ImageReference(parsing: "python@sha256:\(hex)").isPinned)
        #expect(try !ImageReference(parsing: "python:3").isPinned)
        // A tag next to a digest is kept for display; the digest decides.
        let both = try registry("python:3.13@sha256:\(hex.uppercased())")
        #expect(both.tag == "3.13")
        #expect(both.manifestReference == "sha256:" + hex)
    }

    @Test func loopbackRegistriesSpeakPlainHTTP() throws {
        #expect(try registry("localhost:5000/a/b").scheme == "http")
        #expect(try registry("localhost/a").scheme == "http")
        #expect(try registry("127.0.0.1:5000/x:1").repositoryURL == "http://127.0.0.1:5000/v2/x")
        let ipv6 = try registry("[::1]:5000/x")
        #expect(ipv6.domain == "[::1]:5000")
        #expect(ipv6.scheme == "http")
        #expect(ipv6.repositoryURL == "http://[::1]:5000/v2/x")
        #expect(try registry("127.0.0.2:5000/x").scheme == "https")
    }

    @Test func localLayouts() throws {
        #expect(try ImageReference(parsing: "oci:/srv/layout:v1") == .layout(path: "/srv/layout", tag: "v1"))
        #expect(try ImageReference(parsing: "oci:/srv/layout") == .layout(path: "/srv/layout", tag: nil))
        // A ':' before the last '/' belongs to the path.
        #expect(try ImageReference(parsing: "oci:/srv/a:b/layout") == .layout(path: "/srv/a:b/layout", tag: nil))
        #expect(try ImageReference(parsing: "oci-archive:/tmp/x.tar:3") == .archive(path: "/tmp/x.tar", tag: "3"))
        #expect(try ImageReference(parsing: "oci-archive:/tmp/x.tar").isLocal)
        #expect(try ImageReference(parsing: "oci:/srv/layout:v1").description == "oci:/srv/layout:v1")
    }

    @Test(arguments: [
        ("", "empty"),
        ("Python:3", "invalid part 'Python'"),
        ("python:", "tag ''"),
        ("python:-x", "tag '-x'"),
        ("python@sha256:abc", "64 hex digits"),
        ("python@sha512:" + String(repeating: "a", count: 128), "not a sha256 digest"),
        ("a//b", "invalid part ''"),
        ("library/py..thon", "invalid part 'py..thon'"),
        ("host:99999/x", "registry 'host:99999'"),
        ("oci:relative/path", "absolute path"),
        ("oci-archive:/x.tar:", "tag after the last ':' is empty"),
    ])
    func malformedReferencesAreExplained(_ text: String, _ fragment: String) {
        do {
            _ = try ImageReference(parsing: text)
            Issue.record("'\(text)' was accepted")
        } catch let error as ImageError {
            #expect(error.kind == .reference)
            #expect(error.description.contains(fragment), "\(error)")
            #expect(error.hint != nil)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
