/// Lexical path operations on absolute paths (no file system access).
/// Written over UTF-8 bytes and `[String]` only: every other generic type
/// costs the static runner a runtime metadata instantiation at each start.
enum PathText {
    /// The non-empty components of `path`.
    static func components(_ path: String) -> [String] {
        var parts: [String] = []
        var current: [UInt8] = []
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if !current.isEmpty {
                    parts.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { parts.append(String(decoding: current, as: UTF8.self)) }
        return parts
    }

    /// "/" followed by `parts` joined with "/".
    static func join(_ parts: [String], count: Int? = nil) -> String {
        var path = ""
        for index in 0..<(count ?? parts.count) { path += "/" + parts[index] }
        return path.isEmpty ? "/" : path
    }

    /// Absolute, with `.`, empty components and `x/..` removed.
    static func normalize(_ path: String, relativeTo base: String) -> String {
        let full = path.hasPrefix("/") ? path : base + "/" + path
        var parts: [String] = []
        for part in components(full) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return join(parts)
    }

    static func dirname(_ path: String) -> String {
        let parts = components(path)
        return join(parts, count: max(parts.count - 1, 0))
    }

    /// The number of components ("/" has none).
    static func depth(_ path: String) -> Int { components(path).count }

    /// True when `ancestor` is `path` or one of its parents (both normalised).
    static func isAncestorOrSelf(_ ancestor: String, of path: String) -> Bool {
        if ancestor == "/" || ancestor == path { return true }
        return path.hasPrefix(ancestor + "/")
    }

    /// `path` below `ancestor`, without the leading slash ("" for itself).
    static func relative(_ path: String, to ancestor: String) -> String {
        if ancestor == path { return "" }
        let skip = ancestor == "/" ? 1 : ancestor.utf8.count + 1
        return String(decoding: Array(path.utf8).dropFirst(skip), as: UTF8.self)
    }
}
