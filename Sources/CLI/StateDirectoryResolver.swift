#if canImport(Glibc)
import Glibc
#endif

/// The state dir of design section 2: `--state-dir`, else DOTSLASH_STATE_DIR,
/// else /var/lib/dotslash for root and $XDG_DATA_HOME/dotslash (default
/// ~/.local/share/dotslash) for everyone else.
enum StateDirectoryResolver {
    static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let value = environment["DOTSLASH_STATE_DIR"], !value.isEmpty { return value }
        if getuid() == 0 { return "/var/lib/dotslash" }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/dotslash" }
        return (environment["HOME"] ?? "/") + "/.local/share/dotslash"
    }
}
