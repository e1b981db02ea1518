/// Lexical path operations on absolute paths (no file system access).
enum PathText {
    /// Absolute, with `.`, empty components and `x/..` removed.
    static func normalize(_ path: String, relativeTo base: String) -> String {
        let full = path.hasPrefix("/") ? path : base + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func dirname(_ path: String) -> String {
        var parts = components(path)
        _ = parts.popLast()
        return "/" + parts.joined(separator: "/")
    }

    /// True when `ancestor` is `path` or one of its parents (both normalised).
    static func isAncestorOrSelf(_ ancestor: String, of path: String) -> Bool {
        if ancestor == "/" || ancestor == path { return true }
        return path.hasPrefix(ancestor + "/")
    }

    /// `path` below `ancestor`, without the leading slash ("" for itself).
    static func relative(_ path: String, to ancestor: String) -> String {
        if ancestor == path { return "" }
        if ancestor == "/" { return String(path.dropFirst()) }
        return String(path.dropFirst(ancestor.count + 1))
    }
}
