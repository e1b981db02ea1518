import DotslashDigest
import DotslashFetch
import DotslashStore
import Foundation

/// The pull side of the OCI distribution API for one repository:
/// manifests by tag or digest, blobs into the store. Answers a 401 the way
/// docker does: a Bearer challenge is exchanged for a token at its realm
/// (anonymously, or with the credentials `docker login` saved), a Basic
/// challenge gets the saved credentials directly.
final class RegistryClient: ImageOrigin {
    let image: RegistryImage
    /// The reference as the manifest wrote it, for messages.
    let reference: String
    private let http: HTTPClient
    private let downloadOptions: DownloadOptions
    private let progress: ProgressReporter
    private let credentials: RegistryCredentials
    /// The value of the Authorization header once we have one.
    private var authorization: String?
    /// The last Bearer challenge, to fetch a fresh token when one expires.
    private var challenge: AuthChallenge?
    /// The saved credential the current authorization was obtained with.
    private var usedCredential: RegistryCredential?
    /// Whether `/v2/` was asked what authentication it wants.
    private var pinged = false

    init(image: RegistryImage, reference: String, options: DownloadOptions, progress: ProgressReporter,
         credentials: RegistryCredentials) {
        self.image = image
        self.reference = reference
        http = HTTPClient(options: options)
        downloadOptions = options
        self.progress = progress
        self.credentials = credentials
    }

    func rootDocument() throws -> FetchedDocument {
        let document = try manifest(image.manifestReference)
        if let pinned = image.digest, document.digest != pinned {
            throw ImageError(.digestMismatch, reference: reference, step: "verifying \(document.location)",
                             detail: "asked for sha256:\(pinned.hex), got content with sha256:\(document.digest.hex)",
                             hint: "the registry serves damaged or tampered content")
        }
        return document
    }

    func document(_ descriptor: Descriptor) throws -> FetchedDocument {
        let document = try manifest(descriptor.digestString)
        try document.verify(against: descriptor, reference: reference)
        return document
    }

    /// GET /v2/<name>/manifests/<tag or digest>, with every manifest type we read in Accept.
    private func manifest(_ tagOrDigest: String) throws -> FetchedDocument {
        let url = image.repositoryURL + "/manifests/" + tagOrDigest
        let response = try authorizedGet(url, accept: MediaType.acceptedManifests, maxBytes: DocumentLimits.manifestBytes)
        guard response.status == 200 else {
            let what = tagOrDigest.hasPrefix("sha256:") ? "manifest \(tagOrDigest)" : "tag '\(tagOrDigest)'"
            throw registryError(response, step: "fetching the manifest", notFound: "\(what) is not in \(image.domain)/\(image.repository)",
                                hint: "check the name and the tag; 'skopeo list-tags docker://\(image.domain)/\(image.repository)' lists the tags")
        }
        let digest = SHA256.hash(response.body)
        // The registry's own statement of the digest must agree with the bytes.
        if let stated = response.value(of: "Docker-Content-Digest"), stated != "sha256:" + digest.hex {
            throw ImageError(.digestMismatch, reference: reference, step: "verifying \(url)",
                             detail: "the registry says \(stated) but the manifest's sha256 is \(digest.hex)",
                             hint: "the registry or a proxy serves damaged or tampered content")
        }
        return FetchedDocument(bytes: response.body, digest: digest, contentType: response.value(of: "Content-Type"), location: url)
    }

    func fetchBlob(_ descriptor: Descriptor, role: String, into state: StateDirectory) throws -> String {
        let blobs = BlobStore(state: state)
        if try blobs.contains(descriptor.digest, size: descriptor.size) { return blobs.path(for: descriptor.digest) }
        let url = image.repositoryURL + "/blobs/" + descriptor.digestString
        if authorization == nil && !pinged { try authenticateForBlobs() }
        var refreshed = false
        while true {
            // libcurl sends these to the URL's own host only: a redirect to
            // a CDN does not carry the registry's token along.
            let headers = authorization.map { ["Authorization: " + $0] } ?? []
            do {
                return try Downloader(options: downloadOptions, progress: progress)
                    .fetch(url: url, expectedSHA256: descriptor.digest, expectedSize: descriptor.size, headers: headers, into: state)
            } catch let error as FetchError {
                // A token can expire while large layers download: fetch a new one, once.
                if case .httpStatus(401) = error.step, !refreshed, challenge != nil {
                    refreshed = true
                    try fetchToken()
                    continue
                }
                let kind: ImageError.Kind
                if case .digest = error.step { kind = .digestMismatch } else { kind = .registry }
                throw ImageError(kind, reference: reference, step: "fetching \(role) \(descriptor.digestString)", detail: error.description)
            }
        }
    }

    // MARK: - Authentication

    private func authorizedGet(_ url: String, accept: [String], maxBytes: Int) throws -> HTTPResponse {
        let acceptLine = "Accept: " + accept.joined(separator: ", ")
        var answered = false
        while true {
            let headers = [acceptLine] + (authorization.map { ["Authorization: " + $0] } ?? [])
            let response: HTTPResponse
            do {
                response = try http.get(url, headers: headers, maxBytes: maxBytes)
            } catch let error as FetchError {
                throw ImageError(.registry, reference: reference, step: "contacting \(image.domain)", detail: error.description)
            }
            guard response.status == 401 else { return response }
            // One fresh authorization per request; a second 401 means no access.
            guard !answered else { throw accessDenied(response) }
            try answer(response)
            answered = true
        }
    }

    /// Sets `authorization` from a 401's challenges.
    private func answer(_ response: HTTPResponse) throws {
        let challenges = AuthChallenge.parse(response.values(of: "WWW-Authenticate"))
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), bearer.realm != nil {
            challenge = bearer
            try fetchToken()
        } else if challenges.contains(where: { $0.scheme == "basic" }) {
            guard let credential = try credentials.credential(for: image.domain, reference: reference) else {
                throw needsCredentials()
            }
            usedCredential = credential
            authorization = credential.basicAuthorization
        } else {
            throw ImageError(.authentication, reference: reference, step: "authenticating to \(image.domain)",
                             detail: "HTTP 401 without a Bearer or Basic challenge (WWW-Authenticate: \(response.value(of: "WWW-Authenticate") ?? "missing"))",
                             hint: "the registry speaks an authentication scheme dotslash does not know")
        }
    }

    private func accessDenied(_ response: HTTPResponse) -> ImageError {
        let message = Self.errorMessage(response.body).map { " (\($0))" } ?? ""
        if let usedCredential { return refused(usedCredential, detail: "the registry refused access to \(image.repository) after logging in as '\(usedCredential.username)'\(message)") }
        return ImageError(.authentication, reference: reference, step: "authenticating to \(image.domain)",
                          detail: "the registry refused anonymous access to \(image.repository)\(message)",
                          hint: "the repository is private or does not exist; 'docker login \(image.domain)' saves credentials in ~/.docker/config.json")
    }

    /// Blobs are fetched by the downloader, which does not answer challenges:
    /// ask `/v2/` for the challenge first (it also says when none is needed).
    private func authenticateForBlobs() throws {
        pinged = true
        let response: HTTPResponse
        do {
            response = try http.get("\(image.scheme)://\(image.apiHost)/v2/", maxBytes: 1 << 16)
        } catch let error as FetchError {
            throw ImageError(.registry, reference: reference, step: "contacting \(image.domain)", detail: error.description)
        }
        if response.status == 401 { try answer(response) }
    }

    /// GET realm?service=...&scope=repository:<name>:pull, with Basic
    /// credentials when some are saved for the registry.
    private func fetchToken() throws {
        guard let challenge, let realm = challenge.realm else { return }
        guard realm.lowercased().hasPrefix("https://") || realm.lowercased().hasPrefix("http://") else {
            throw ImageError(.authentication, reference: reference, step: "authenticating to \(image.domain)",
                             detail: "the token realm '\(realm)' is not an http or https URL")
        }
        var query: [String] = []
        if let service = challenge.service { query.append("service=" + Self.percentEncode(service)) }
        // Our own scope, not the challenge's: the challenge may name another action or repository.
        query.append("scope=" + Self.percentEncode("repository:\(image.repository):pull"))
        let url = realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&")

        let credential = try credentials.credential(for: image.domain, reference: reference)
        var headers: [String] = []
        if let credential {
            guard realm.lowercased().hasPrefix("https://") || Self.isLoopback(realm) else {
                throw ImageError(.authentication, reference: reference, step: "authenticating to \(image.domain)",
                                 detail: "the token realm \(realm) is plain HTTP; credentials from \(credential.source) are not sent over it",
                                 hint: "the registry's token service must use HTTPS")
            }
            headers.append("Authorization: " + credential.basicAuthorization)
        }
        let response: HTTPResponse
        do {
            response = try http.get(url, headers: headers, maxBytes: 1 << 20)
        } catch let error as FetchError {
            throw ImageError(.authentication, reference: reference, step: "fetching a token", detail: error.description)
        }
        guard response.status == 200 else {
            if response.status == 401 || response.status == 403 {
                if let credential { throw refused(credential, detail: "the token service refused the credentials for user '\(credential.username)' from \(credential.source)") }
                throw needsCredentials()
            }
            throw registryError(response, step: "fetching a token from \(realm)", notFound: "no token service at \(realm)", hint: nil)
        }
        let token = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard let value = (token?["token"] as? String) ?? (token?["access_token"] as? String), !value.isEmpty else {
            throw ImageError(.authentication, reference: reference, step: "fetching a token from \(realm)",
                             detail: "the answer holds no 'token': \(response.bodyExcerpt())")
        }
        usedCredential = credential
        authorization = "Bearer " + value
    }

    private func needsCredentials() -> ImageError {
        ImageError(.authentication, reference: reference, step: "authenticating to \(image.domain)",
                   detail: "the registry wants credentials for \(image.repository) and none are saved",
                   hint: "the repository is private or does not exist; 'docker login \(image.domain)' saves credentials in ~/.docker/config.json")
    }

    private func refused(_ credential: RegistryCredential, detail: String) -> ImageError {
        ImageError(.authentication, reference: reference, step: "authenticating to \(image.domain)", detail: detail,
                   hint: "check the account in \(credential.source), or log in again with 'docker login \(image.domain)'")
    }

    /// An error from a non-2xx answer, with the registry's own message when it sent one.
    private func registryError(_ response: HTTPResponse, step: String, notFound: String, hint: String?) -> ImageError {
        let message = Self.errorMessage(response.body) ?? response.bodyExcerpt()
        if response.status == 404 {
            return ImageError(.registry, reference: reference, step: step, detail: "\(notFound) (HTTP 404\(message.isEmpty ? "" : ": " + message))", hint: hint)
        }
        return ImageError(.registry, reference: reference, step: step,
                          detail: "HTTP \(response.status) from \(response.url)\(message.isEmpty ? "" : ": " + message)",
                          hint: response.status == 429 ? "the registry limits pulls; wait, or log in to raise the limit" : hint)
    }

    /// `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}` -> "MANIFEST_UNKNOWN: manifest unknown".
    static func errorMessage(_ body: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]], !errors.isEmpty else { return nil }
        return errors.map { error in
            [error["code"] as? String, error["message"] as? String].compactMap { $0 }.joined(separator: ": ")
        }.joined(separator: "; ")
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let host = URL(string: url)?.host else { return false }
        return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
    }
}
