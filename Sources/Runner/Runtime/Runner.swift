#if canImport(Glibc)
import Glibc
#endif

/// Entry point of `dotslash-runner`.
public enum Runner {
    public static func main() -> Never {
        let usage = "usage: dotslash-runner SCRIPT [ARGS...] (a runner without a payload; build one with `dotslash apply`)\n"
        var bytes = Array(usage.utf8)
        _ = write(2, &bytes, bytes.count)
        exit(64)
    }
}
