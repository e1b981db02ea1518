import DotslashDigest
import Foundation

/// A content descriptor: what a manifest or index says about a blob.
public struct Descriptor: Sendable, Equatable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var platform: Platform?
    public var annotations: [String: String]

    public init(mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil, annotations: [String: String] = [:]) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
        self.annotations = annotations
    }

    /// "sha256:<hex>", as the distribution API and the specifications write it.
    public var digestString: String { "sha256:" + digest.hex }

    /// The annotation that names a manifest inside an OCI layout's index.json.
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"
}

/// A manifest, an index, or neither: what a registry or layout sent.
enum ManifestDocument: Equatable {
    case index([Descriptor])
    case manifest(config: Descriptor, layers: [Descriptor])

    /// Parses a manifest or index; `contentType` is the HTTP Content-Type,
    /// used when the document does not name its own media type. `what`
    /// names the document in errors.
    static func parse(_ bytes: [UInt8], contentType: String?, what: String, reference: String) throws -> (ManifestDocument, String) {
        func fail(_ detail: String, _ hint: String? = nil) -> ImageError {
            ImageError(.document, reference: reference, step: "reading \(what)", detail: detail, hint: hint)
        }
        let raw: RawManifest
        do {
            raw = try JSONDecoder().decode(RawManifest.self, from: Data(bytes))
        } catch {
            throw fail("not a valid manifest: \(Self.describe(error))", "the registry or layout sent something else than an image manifest")
        }
        let type = raw.mediaType ?? contentType.map(MediaType.essence) ?? ""
        if raw.schemaVersion == 1 || type == MediaType.dockerSchema1 || type == MediaType.dockerSchema1Signed {
            throw fail("Docker manifest schema 1 is not supported", "push the image again with a current docker, podman or skopeo")
        }
        guard raw.schemaVersion == 2 else { throw fail("schemaVersion \(raw.schemaVersion.map(String.init) ?? "missing") is not 2") }
        if MediaType.isIndex(type) || (!MediaType.isManifest(type) && raw.manifests != nil) {
            guard let manifests = raw.manifests else { throw fail("an index without 'manifests'") }
            return (.index(try manifests.enumerated().map { try $1.validated(what: "manifests[\($0)]", fail: fail) }),
                    MediaType.isIndex(type) ? type : MediaType.ociIndex)
        }
        if MediaType.isManifest(type) || raw.layers != nil || raw.config != nil {
            guard let config = raw.config else { throw fail("a manifest without 'config'") }
            let layers = try (raw.layers ?? []).enumerated().map { try $1.validated(what: "layers[\($0)]", fail: fail) }
            return (.manifest(config: try config.validated(what: "config", fail: fail), layers: layers),
                    MediaType.isManifest(type) ? type : MediaType.ociManifest)
        }
        throw fail("media type '\(type.isEmpty ? "none" : type)' is neither an image manifest nor an index",
                   "this reference names an artifact that is not a container image")
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return (path.isEmpty ? "" : "at \(path.drop { $0 == "." }): ") + context.debugDescription
        default:
            return "\(error)"
        }
    }
}

/// What an image's config blob says about running it.
public struct ImageConfig: Sendable, Equatable {
    /// "NAME=value" entries; the container's base environment.
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var workingDir: String?
    public var user: String?
    public var platform: Platform?

    public init(env: [String] = [], entrypoint: [String] = [], cmd: [String] = [], workingDir: String? = nil,
                user: String? = nil, platform: Platform? = nil) {
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
        self.user = user
        self.platform = platform
    }

    static func parse(_ bytes: [UInt8], reference: String) throws -> ImageConfig {
        let raw: RawConfig
        do {
            raw = try JSONDecoder().decode(RawConfig.self, from: Data(bytes))
        } catch {
            throw ImageError(.document, reference: reference, step: "reading the image config",
                             detail: "not a valid image config: \(ManifestDocument.describe(error))")
        }
        for entry in raw.config?.env ?? [] where !entry.contains("=") || entry.hasPrefix("=") {
            throw ImageError(.document, reference: reference, step: "reading the image config",
                             detail: "Env entry '\(entry)' is not NAME=value")
        }
        let platform = raw.os.flatMap { os in raw.architecture.map { Platform(os: os, architecture: $0, variant: raw.variant) } }
        return ImageConfig(env: raw.config?.env ?? [], entrypoint: raw.config?.entrypoint ?? [], cmd: raw.config?.cmd ?? [],
                           workingDir: raw.config?.workingDir.flatMap { $0.isEmpty ? nil : $0 },
                           user: raw.config?.user.flatMap { $0.isEmpty ? nil : $0 }, platform: platform)
    }
}

// The JSON shapes, decoded leniently (unknown keys are ignored, as the
// specifications require) and then checked.

private struct RawManifest: Decodable {
    var schemaVersion: Int?
    var mediaType: String?
    var manifests: [RawDescriptor]?
    var config: RawDescriptor?
    var layers: [RawDescriptor]?
}

private struct RawDescriptor: Decodable {
    struct RawPlatform: Decodable {
        var os: String
        var architecture: String
        var variant: String?
    }

    var mediaType: String?
    var digest: String
    var size: Int64
    var platform: RawPlatform?
    var annotations: [String: String]?

    func validated(what: String, fail: (String, String?) -> ImageError) throws -> Descriptor {
        guard digest.hasPrefix("sha256:"), let parsed = Digest(hex: String(digest.dropFirst(7))) else {
            throw fail("\(what) has digest '\(digest)'; only sha256 digests are supported", nil)
        }
        guard size >= 0 else { throw fail("\(what) has a negative size", nil) }
        return Descriptor(mediaType: mediaType ?? "", digest: parsed, size: size,
                          platform: platform.map { Platform(os: $0.os, architecture: $0.architecture, variant: $0.variant) },
                          annotations: annotations ?? [:])
    }
}

private struct RawConfig: Decodable {
    struct Settings: Decodable {
        var env: [String]?
        var entrypoint: [String]?
        var cmd: [String]?
        var workingDir: String?
        var user: String?

        // The specification's capitalised names.
        enum CodingKeys: String, CodingKey {
            case env = "Env", entrypoint = "Entrypoint", cmd = "Cmd", workingDir = "WorkingDir", user = "User"
        }
    }

    var os: String?
    var architecture: String?
    var variant: String?
    var config: Settings?
}
