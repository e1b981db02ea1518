import DotslashDigest
import DotslashImage
import DotslashStore
import Foundation
import TestSupport

/// Builds the trees, layouts and registries the image tests use.
enum Fixtures {
    /// A tiny real root filesystem: the static busybox and a few applet links.
    static func busyboxTree(in directory: TemporaryDirectory, named name: String = "busybox-tree") throws -> URL {
        let root = directory.file(name)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let busybox = root.appendingPathComponent("bin/busybox")
        try FileManager.default.copyItem(atPath: busyboxPath, toPath: busybox.path)
        for applet in ["sh", "echo", "cat", "ls"] {
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bin/" + applet).path,
                                                       withDestinationPath: "busybox")
        }
        try write(root, "etc/os-release", "NAME=busybox-test\n")
        return root
    }

    /// The static busybox of Debian's busybox-static package.
    static var busyboxPath: String {
        for path in ["/bin/busybox", "/usr/bin/busybox"] where FileManager.default.fileExists(atPath: path) { return path }
        return "/bin/busybox"
    }

    /// Writes `text` to `root/relative`, creating parents.
    @discardableResult
    static func write(_ root: URL, _ relative: String, _ text: String) throws -> URL {
        let file = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    /// What make-oci-layout.py built: per image, the digest the tag names
    /// and the platform manifests' digests.
    struct LayoutSummary {
        struct Image {
            var tag: String?
            var digest: Digest
            var manifests: [String: Digest]
        }

        var images: [Image]
    }

    /// Runs Tests/Support/make-oci-layout.py with `spec` (see the script).
    @discardableResult
    static func makeLayout(_ spec: [String: Any], in directory: TemporaryDirectory) throws -> LayoutSummary {
        let specFile = directory.file("spec-\(UUID().uuidString.prefix(8)).json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Support/make-oci-layout.py").path
        let result = try Command.run(["python3", script, specFile.path])
        guard result.status == 0 else { throw FixtureError("make-oci-layout.py failed: \(result)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let images = object["images"] as? [[String: Any]] else { throw FixtureError("bad summary: \(result.stdout)") }
        return LayoutSummary(images: try images.map { image in
            guard let digest = (image["digest"] as? String).flatMap(digest(_:)),
                  let manifests = image["manifests"] as? [String: String] else { throw FixtureError("bad summary: \(image)") }
            return .init(tag: image["tag"] as? String, digest: digest, manifests: manifests.compactMapValues(digest(_:)))
        })
    }

    static func digest(_ text: String) -> Digest? {
        text.hasPrefix("sha256:") ? Digest(hex: String(text.dropFirst(7))) : nil
    }

    /// A prepared, empty state directory.
    static func state(in directory: TemporaryDirectory, _ name: String = "state") throws -> StateDirectory {
        let state = StateDirectory(path: directory.file(name).path)
        try state.prepare()
        return state
    }

    /// "linux/amd64" on amd64, and a platform this machine cannot run, for index tests.
    static let hostPlatform = Platform.host.description
    static let foreignPlatform = Platform.host.architecture == "arm64" ? "linux/amd64" : "linux/arm64/v8"

    /// Copies `oci:LAYOUT:TAG` into the registry with skopeo, digests
    /// preserved; with `format: "v2s2"` converted to Docker's media types
    /// instead (new digests: see `manifestDigest`).
    static func push(layout: String, tag: String, to destination: String, credentials: String? = nil,
                     format: String? = nil) throws {
        var argv = ["skopeo", "copy", "--quiet", "--dest-tls-verify=false"]
        argv += format.map { ["--format", $0] } ?? ["--all", "--preserve-digests"]
        if let credentials { argv += ["--dest-creds", credentials] }
        argv += ["oci:\(layout):\(tag)", "docker://\(destination)"]
        let result = try Command.run(argv)
        guard result.status == 0 else { throw FixtureError("skopeo failed: \(result)") }
    }

    /// The digest of the manifest the registry serves for `reference`, as skopeo sees it.
    static func manifestDigest(_ reference: String) throws -> (Digest, String) {
        let result = try Command.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + reference])
        guard result.status == 0 else { throw FixtureError("skopeo inspect failed: \(result)") }
        return (SHA256.hash(Array(result.stdout.utf8)), result.stdout)
    }

    /// A file's entries under `root`, relative, sorted: "bin/", "bin/sh -> busybox", "etc/x".
    static func listing(_ root: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var entries: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?: entries.append(relative + "/")
            case .typeSymbolicLink?: entries.append(relative + " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: path)))
            default: entries.append(relative)
            }
        }
        return entries.sorted()
    }

    static func read(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// docker-registry on 127.0.0.1, optionally behind a token server, with
/// its storage in a temporary directory.
final class TestRegistry: @unchecked Sendable {
    let directory: TemporaryDirectory
    let registry: BackgroundScript
    let tokenServer: BackgroundScript?
    /// The token server's request log (one JSON object per line).
    let tokenLog: URL

    /// The registry's `host:port`, which also makes its references plain HTTP.
    var host: String { "127.0.0.1:\(registry.port)" }

    init(withTokenAuth: Bool = false, users: [String] = [], publicRepositories: [String] = []) throws {
        directory = try TemporaryDirectory("registry")
        tokenLog = directory.file("token.log")
        var arguments = ["--dir", directory.path]
        if withTokenAuth {
            let key = directory.file("token-key.pem").path, cert = directory.file("token-cert.pem").path
            let made = try Command.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                        "-days", "2", "-subj", "/CN=dotslash-test-token"])
            guard made.status == 0 else { throw FixtureError("openssl failed: \(made)") }
            let server = try BackgroundScript("tokenserver.py", ["--key", key, "--cert", cert, "--log", tokenLog.path]
                + users.flatMap { ["--user", $0] } + publicRepositories.flatMap { ["--public", $0] })
            tokenServer = server
            arguments += ["--token-realm", "http://127.0.0.1:\(server.port)/token", "--token-cert", cert]
        } else {
            tokenServer = nil
        }
        registry = try BackgroundScript("registry.py", arguments)
    }

    /// The file that holds a blob's bytes in the registry's storage.
    func storedBlob(_ digest: Digest) -> String {
        directory.file("storage/docker/registry/v2/blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)/data").path
    }

    /// The token server's requests: (user or nil, scopes).
    func tokenRequests() -> [(user: String?, scopes: [String])] {
        guard let text = Fixtures.read(tokenLog.path) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["user"] as? String, object["scopes"] as? [String] ?? [])
        }
    }

    func stop() {
        registry.stop()
        tokenServer?.stop()
    }
}
