/// `/etc/passwd` and `/etc/group` for inside the container: the rootfs's
/// own entries, with the caller's user and group (from the host's files,
/// read as text: a static binary has no NSS) replacing any entry with the
/// same name or id.
enum IdentityFiles {
    /// The lines of a text file.
    static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") {
                if !current.isEmpty { lines.append(String(decoding: current, as: UTF8.self)) }
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { lines.append(String(decoding: current, as: UTF8.self)) }
        return lines
    }

    /// Field `index` (0-based) of a colon-separated line, or nil.
    static func field(_ index: Int, of line: String) -> String? {
        var current: [UInt8] = []
        var seen = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: ":") {
                if seen == index { return String(decoding: current, as: UTF8.self) }
                seen += 1
                current.removeAll(keepingCapacity: true)
            } else if seen == index {
                current.append(byte)
            }
        }
        return seen == index ? String(decoding: current, as: UTF8.self) : nil
    }

    /// The host line for `id` in a colon-separated database (the third field
    /// is the id in both passwd and group), or nil.
    static func entry(withID id: UInt32, in database: String) -> String? {
        let wanted = String(id)
        for line in lines(database) where field(2, of: line) == wanted && field(3, of: line) != nil {
            return line
        }
        return nil
    }

    /// The caller's passwd line: the host's, or a synthesized one.
    static func userLine(uid: UInt32, gid: UInt32, hostPasswd: String, fallbackName: String?, home: String?) -> String {
        if let line = entry(withID: uid, in: hostPasswd) { return line }
        let name = syntheticName(fallbackName, id: uid, prefix: "user")
        return "\(name):x:\(uid):\(gid):\(name):\(home ?? "/"):/bin/sh"
    }

    /// The caller's group line with no member list (members may not exist inside).
    static func groupLine(gid: UInt32, hostGroup: String, fallbackName: String?) -> String {
        if let line = entry(withID: gid, in: hostGroup), let name = field(0, of: line) { return "\(name):x:\(gid):" }
        return "\(syntheticName(fallbackName, id: gid, prefix: "group")):x:\(gid):"
    }

    /// The rootfs's database minus entries that clash with `line` by name or
    /// id, then `line`.
    static func merge(_ line: String, into database: String) -> String {
        let name = field(0, of: line), id = field(2, of: line)
        var out = ""
        for existing in lines(database) where field(0, of: existing) != name && field(2, of: existing) != id {
            out += existing + "\n"
        }
        return out + line + "\n"
    }

    /// `$USER`-style name when it is a plausible login name, else PREFIX<ID>.
    private static func syntheticName(_ candidate: String?, id: UInt32, prefix: String) -> String {
        if let candidate, !candidate.isEmpty, candidate.utf8.count <= 32,
           candidate.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }) {
            return candidate
        }
        return "\(prefix)\(id)"
    }
}
