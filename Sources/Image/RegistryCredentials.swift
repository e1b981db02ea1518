import Foundation

/// A user name and password (or token) for one registry, and the file it came from.
struct RegistryCredential: Equatable {
    var username: String
    var password: String
    /// Where it was found, for messages.
    var source: String

    /// The value of an `Authorization: Basic` header.
    var basicAuthorization: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }
}

/// Reads the credential files docker and podman write (`docker login`,
/// `podman login`), first match wins:
///
///     $REGISTRY_AUTH_FILE
///     $XDG_RUNTIME_DIR/containers/auth.json
///     $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json
///
/// Each has `{"auths": {"<host>": {"auth": "<base64 user:password>"}}}`
/// (or `username` and `password`). Credential helpers (`credsStore`,
/// `credHelpers`) are programs we do not run.
struct RegistryCredentials {
    let environment: [String: String]

    var candidateFiles: [String] {
        var files: [String] = []
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { files.append(runtime + "/containers/auth.json") }
        if let docker = environment["DOCKER_CONFIG"], !docker.isEmpty {
            files.append(docker + "/config.json")
        } else if let home = environment["HOME"], !home.isEmpty {
            files.append(home + "/.docker/config.json")
        }
        return files
    }

    /// The credential for `domain` ("docker.io", "ghcr.io", "127.0.0.1:5000"),
    /// if a file holds one. A file that is present but unreadable or not
    /// JSON is an error: silently ignoring it would turn into a puzzling 401.
    func credential(for domain: String, reference: String) throws -> RegistryCredential? {
        for file in candidateFiles {
            guard FileManager.default.fileExists(atPath: file) else { continue }
            if let found = try credential(for: domain, in: file, reference: reference) { return found }
        }
        return nil
    }

    private func credential(for domain: String, in file: String, reference: String) throws -> RegistryCredential? {
        func fail(_ detail: String) -> ImageError {
            ImageError(.authentication, reference: reference, step: "reading credentials from \(file)", detail: detail,
                       hint: "fix the file, or log in again with 'docker login \(domain)'")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw fail("not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw fail("the top level is not an object") }
        guard let auths = root["auths"] as? [String: Any] else { return nil }
        let wanted = Self.aliases(of: domain)
        for (key, value) in auths.sorted(by: { $0.key < $1.key }) where wanted.contains(Self.normalise(key)) {
            guard let entry = value as? [String: Any] else { throw fail("auths.\(key) is not an object") }
            if let encoded = entry["auth"] as? String, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
                      let colon = decoded.firstIndex(of: ":") else {
                    throw fail("auths.\(key).auth is not base64 of 'user:password'")
                }
                return RegistryCredential(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]),
                                          source: file)
            }
            if let username = entry["username"] as? String, let password = entry["password"] as? String {
                return RegistryCredential(username: username, password: password, source: file)
            }
        }
        return nil
    }

    /// The keys docker writes for a registry: Docker Hub goes by several names.
    static func aliases(of domain: String) -> Set<String> {
        if domain == RegistryImage.dockerHub {
            return ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]
        }
        return [domain]
    }

    /// "https://index.docker.io/v1/" -> "index.docker.io".
    static func normalise(_ key: String) -> String {
        var text = Substring(key)
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text = text.dropFirst(scheme.count) }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        return String(text)
    }
}
