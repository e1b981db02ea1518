import DotslashManifest
import Foundation

/// Picks the language for a file the way the kernel's binfmt_misc would:
/// the text after the last dot of the path as given (case-sensitive, never
/// containing '/'), then magic bytes within the first 256 bytes.
enum LanguageChooser {
    static let headerSize = 256

    static func choose(path: String, manifest: Manifest) -> Language? {
        if let dot = path.lastIndex(of: ".") {
            let ext = String(path[path.index(after: dot)...])
            if !ext.contains("/"), let language = manifest.languages.first(where: { $0.extensions.contains(ext) }) {
                return language
            }
        }
        guard let handle = FileHandle(forReadingAtPath: path),
              let data = try? handle.read(upToCount: headerSize) else { return nil }
        try? handle.close()
        let header = [UInt8](data)
        return manifest.languages.first { $0.magic.contains { $0.matches(header) } }
    }
}
