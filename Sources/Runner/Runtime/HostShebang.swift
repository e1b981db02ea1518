#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// Design 4.4: a `#!` script whose interpreter the host has runs on the
/// host, exactly as the kernel would have run it.
enum HostShebang {
    /// The script's `#!` line when its interpreter exists on the host.
    static func line(ofScript script: UnsafePointer<CChar>, searchPath: String?) -> ShebangLine? {
        let fd = open(script, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: ShebangLine.bufferSize)
        let got = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard got > 2, head[0] == UInt8(ascii: "#"), head[1] == UInt8(ascii: "!") else { return nil }
        head.removeLast(ShebangLine.bufferSize - got)
        guard let line = ShebangLine(head), isExecutableFile(line.interpreter) else { return nil }
        if line.interpreter.hasSuffix("/env") {
            guard let program = line.envProgram, resolves(program, on: searchPath) else { return nil }
        }
        return line
    }

    /// `interpreter [argument] SCRIPT ARGS...` with the caller's environment;
    /// returns only when execve fails.
    static func exec(_ line: ShebangLine, script: UnsafeMutablePointer<CChar>, arguments: ArgumentList) -> Int32 {
        var prefix = [line.interpreter]
        if let argument = line.argument { prefix.append(argument) }
        guard let environ = ds_environ() else { return EFAULT }
        return Exec.run(line.interpreter, prefix: prefix, script: script, arguments: arguments,
                        environment: UnsafePointer(environ))
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    private static func resolves(_ program: String, on searchPath: String?) -> Bool {
        if program.contains("/") { return isExecutableFile(program) }
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
        return directories.contains { isExecutableFile(($0.isEmpty ? "." : String($0)) + "/" + program) }
    }
}
