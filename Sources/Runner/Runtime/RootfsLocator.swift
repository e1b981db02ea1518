#if canImport(Glibc)
import Glibc
#endif
import RunnerFormat

/// Design 4.2: where the runner finds its tree. First the store it was
/// built for, then the system store, then the user's cache, where it
/// extracts its own payload when nothing else has the tree.
enum RootfsLocator {
    static let systemStore = "/var/lib/dotslash"

    /// The stores searched before the cache, without duplicates.
    static func stores(for settings: RunnerSettings) -> [String] {
        let built = PathText.normalize(settings.stateDirectory, relativeTo: "/")
        return built == systemStore ? [built] : [built, systemStore]
    }

    /// `$XDG_CACHE_HOME/dotslash`, else `$HOME/.cache/dotslash`.
    static func cacheDirectory(environment: (String) -> String?) -> String? {
        if let cache = environment("XDG_CACHE_HOME"), cache.hasPrefix("/") { return cache + "/dotslash" }
        if let home = environment("HOME"), home.hasPrefix("/") { return home + "/.cache/dotslash" }
        return nil
    }

    static func locate(runner fd: Int32, trailer: RunnerTrailer, environment: (String) -> String?,
                       trace: inout Trace) throws(RunnerFailure) -> String {
        let key = trailer.settings.rootfsKey
        let caller = getuid()
        for store in stores(for: trailer.settings) {
            let tree = store + "/rootfs/" + key
            if let info = FileSystem.status(tree), FileSystem.isDirectory(info) {
                try checkTrust(tree, levels: 3, caller: caller)
                return tree
            }
        }
        guard let cache = cacheDirectory(environment: environment) else {
            throw RunnerFailure(step: "find rootfs", cause: "no tree in the stores and neither XDG_CACHE_HOME nor HOME is set",
                                hint: "set HOME or XDG_CACHE_HOME so the runner can extract its payload")
        }
        let tree = cache + "/rootfs/" + key
        if let info = FileSystem.status(tree), FileSystem.isDirectory(info) {
            try checkTrust(tree, levels: 3, caller: caller)
            return tree
        }
        let extracted = try PayloadExtractor.extract(runner: fd, trailer: trailer, into: cache + "/rootfs", trace: &trace)
        try checkTrust(extracted, levels: 3, caller: caller)
        return extracted
    }

    /// The tree, its `rootfs` directory and its store must belong to root
    /// or the caller and be writable by no one else: whoever can write
    /// there can change what every later run executes.
    static func checkTrust(_ tree: String, levels: Int, caller: uid_t) throws(RunnerFailure) {
        var path = tree
        for _ in 0..<levels {
            guard let info = FileSystem.status(path) else { throw .system("check rootfs \(path)") }
            if info.st_uid != 0 && info.st_uid != caller {
                throw RunnerFailure(
                    step: "check rootfs", cause: "refusing \(tree): \(path) belongs to uid \(info.st_uid), not to root or to you",
                    hint: "only trees owned by root or by you are used: in your cache, remove it (the runner extracts "
                        + "its payload again); in a store, run as the store's owner or let `dotslash apply` rebuild it")
            }
            if info.st_mode & 0o022 != 0 {
                throw RunnerFailure(
                    step: "check rootfs",
                    cause: "refusing \(tree): \(path) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8)))",
                    hint: "run `chmod go-w \(path)`, or remove the tree so the runner re-extracts it")
            }
            path = PathText.dirname(path)
        }
    }
}
