#if canImport(Glibc)
import Glibc
#endif

/// The script's own arguments: a window on the runner's argv, passed on
/// untouched (bytes, not Strings: they need not be UTF-8).
struct ArgumentList {
    let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int
}

/// execve(2) with argv `prefix... SCRIPT ARGS...`. Vectors are built in raw
/// memory: the process is replaced on success and exits on failure.
enum Exec {
    /// Returns the errno of a failed execve.
    static func run(_ program: String, prefix: [String], script: UnsafeMutablePointer<CChar>,
                    arguments: ArgumentList, environment: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: prefix.count + arguments.count + 2)
        var index = 0
        for word in prefix {
            argv[index] = strdup(word)
            index += 1
        }
        argv[index] = script
        index += 1
        for offset in 0..<arguments.count {
            argv[index] = arguments.start[offset]
            index += 1
        }
        argv[index] = nil
        execve(program, argv, environment)
        return errno
    }

    /// A NULL-terminated `NAME=value` vector for execve.
    static func environment(_ entries: [String]) -> UnsafePointer<UnsafeMutablePointer<CChar>?> {
        let envp = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: entries.count + 1)
        for index in 0..<entries.count { envp[index] = strdup(entries[index]) }
        envp[entries.count] = nil
        return UnsafePointer(envp)
    }
}
