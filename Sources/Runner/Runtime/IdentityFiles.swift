/// `/etc/passwd` and `/etc/group` for inside the container: the rootfs's
/// own entries, with the caller's user and group (from the host's files,
/// read as text: a static binary has no NSS) replacing any entry with the
/// same name or id.
enum IdentityFiles {
    /// The host line for `id` in a colon-separated database (field 2 is the
    /// id in both passwd and group), or nil.
    static func entry(withID id: UInt32, in database: String) -> String? {
        for line in database.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 4, fields[2] == Substring(String(id)) { return String(line) }
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
        if let line = entry(withID: gid, in: hostGroup) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            return "\(fields[0]):x:\(gid):"
        }
        return "\(syntheticName(fallbackName, id: gid, prefix: "group")):x:\(gid):"
    }

    /// The rootfs's database minus entries that clash with `line` by name or
    /// id, then `line`.
    static func merge(_ line: String, into database: String) -> String {
        let fields = line.split(separator: ":", omittingEmptySubsequences: false)
        let name = fields.first ?? "", id = fields.count > 2 ? fields[2] : ""
        var out = ""
        for existing in database.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = existing.split(separator: ":", omittingEmptySubsequences: false)
            if parts.first == name || (parts.count > 2 && parts[2] == id) { continue }
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
