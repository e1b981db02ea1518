import DotslashDigest
import DotslashStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `<state>/images.lock`: what each language's image reference resolved to
/// for this machine's platform, so that `diff` and `apply` need no network
/// for a tag resolved before. JSON with sorted keys and two-space indents,
/// one object per language (see docs/images.md):
///
///     {
///       "languages" : {
///         "python" : {
///           "config" : { "env" : [ "PATH=/usr/local/bin:..." ], ... },
///           "configDigest" : "sha256:...",
///           "manifest" : "sha256:...",
///           "payload" : "sha256:...",
///           "platform" : "linux/amd64",
///           "reference" : "python:3.13-slim",
///           "resolved" : "docker.io/library/python:3.13-slim",
///           "tagDigest" : "sha256:..."
///         }
///       },
///       "version" : 1
///     }
///
/// Written atomically (tmp/, fsync, rename); read and written by callers
/// that hold the store lock.
public struct ImageLock: Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// The reference exactly as the manifest writes it; a different one is not a match.
        public var reference: String
        /// The normalised reference ("docker.io/library/python:3.13-slim").
        public var resolved: String
        public var platform: String
        /// What the tag (or pinned digest) names: an index or the manifest itself.
        public var tagDigest: String
        /// The platform manifest; its hex names `rootfs/<hex>`.
        public var manifest: String
        public var configDigest: String
        public var config: Config
        /// The flattened payload tarball, once one was built.
        public var payload: String?

        public struct Config: Codable, Sendable, Equatable {
            public var env: [String]
            public var entrypoint: [String]
            public var cmd: [String]
            public var workingDir: String?

            public init(env: [String], entrypoint: [String], cmd: [String], workingDir: String?) {
                self.env = env
                self.entrypoint = entrypoint
                self.cmd = cmd
                self.workingDir = workingDir
            }
        }

        public init(reference: String, resolved: String, platform: String, tagDigest: String, manifest: String,
                    configDigest: String, config: Config, payload: String? = nil) {
            self.reference = reference
            self.resolved = resolved
            self.platform = platform
            self.tagDigest = tagDigest
            self.manifest = manifest
            self.configDigest = configDigest
            self.config = config
            self.payload = payload
        }

        public var manifestDigest: Digest? { Self.digest(manifest) }
        public var payloadDigest: Digest? { payload.flatMap(Self.digest) }

        static func digest(_ text: String) -> Digest? {
            guard text.hasPrefix("sha256:") else { return nil }
            return Digest(hex: String(text.dropFirst(7)))
        }
    }

    public static let fileName = "images.lock"
    public static let version = 1

    /// Entries by language name.
    public var entries: [String: Entry]

    public init(entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    public static func path(in state: StateDirectory) -> String { state.root + "/" + fileName }

    /// The lock of `state`; empty when there is none yet. A damaged file is
    /// an error (it is never silently replaced: it may be under version control).
    public static func load(_ state: StateDirectory) throws -> ImageLock {
        let path = path(in: state)
        guard FileManager.default.fileExists(atPath: path) else { return ImageLock() }
        func fail(_ detail: String) -> ImageError {
            ImageError(.lock, reference: path, step: "reading the image lock", detail: detail,
                       hint: "fix the file, or delete it: every image tag is then resolved again")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw fail(error.localizedDescription)
        }
        let file: LockFile
        do {
            file = try JSONDecoder().decode(LockFile.self, from: data)
        } catch {
            throw fail("not a valid lock file: \(ManifestDocument.describe(error))")
        }
        guard file.version == version else { throw fail("version \(file.version) is not \(version)") }
        for (language, entry) in file.languages where entry.manifestDigest == nil || Entry.digest(entry.configDigest) == nil {
            throw fail("languages.\(language): 'manifest' and 'configDigest' must be 'sha256:' and 64 hex digits")
        }
        return ImageLock(entries: file.languages)
    }

    /// The entry for `language` if it was resolved from this very reference
    /// for this platform.
    public func lookup(language: String, reference: String, platform: Platform = .host) -> Entry? {
        guard let entry = entries[language], entry.reference == reference, entry.platform == platform.description else { return nil }
        return entry
    }

    public mutating func record(language: String, entry: Entry) {
        entries[language] = entry
    }

    public mutating func remove(language: String) {
        entries[language] = nil
    }

    /// Drops the entries of languages the manifests no longer have.
    public mutating func retain(languages: Set<String>) {
        entries = entries.filter { languages.contains($0.key) }
    }

    /// What the store must keep for the locked images (for `gc`): each
    /// manifest, config and payload blob, and each `rootfs/<manifest hex>`
    /// tree. Layer blobs are only needed while a payload is built; a later
    /// build fetches them again.
    public var referencedBlobs: Set<Digest> {
        Set(entries.values.flatMap { entry in
            [entry.manifestDigest, Entry.digest(entry.configDigest), entry.payloadDigest].compactMap { $0 }
        })
    }

    public var referencedTrees: Set<Digest> { Set(entries.values.compactMap(\.manifestDigest)) }

    /// The stable text of the file.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(LockFile(version: Self.version, languages: entries))
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Writes the file atomically: tmp/, fsync, rename, fsync the directory.
    public func save(_ state: StateDirectory) throws {
        let path = Self.path(in: state)
        do {
            let blob = try TemporaryBlob(state: state, label: "images.lock")
            try blob.write([UInt8](try encoded()))
            try blob.commit(as: path, mode: 0o644)
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError(.lock, reference: path, step: "writing the image lock", detail: "\(error)",
                             hint: "check that the state directory is writable")
        }
    }

    private struct LockFile: Codable {
        var version: Int
        var languages: [String: Entry]
    }
}
