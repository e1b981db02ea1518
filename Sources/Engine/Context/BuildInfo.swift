import DotslashDigest
import DotslashFetch
import DotslashManifest
import DotslashStore
import RunnerFormat

/// What `dotslash version` reports besides the version.
public enum BuildInfo {
    public static var lines: [String] {
        [
            "runner format \(RunnerTrailer.formatVersion)",
            "libyaml \(YAMLLibrary.version)",
            CurlLibrary.version,
            ArchiveLibrary.version,
            CryptoLibrary.version,
        ]
    }
}
