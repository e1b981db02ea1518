#if canImport(Glibc)
import Glibc
#endif
import CSystem
import RunnerFormat

/// Entry point of `dotslash-runner`: `runner SCRIPT ARGS...` runs
/// `interpreter... SCRIPT ARGS...` in a container made from the rootfs the
/// runner carries (design 4). Switches come only from the environment.
public enum Runner {
    public static func main() -> Never {
        let argc = Int(CommandLine.argc)
        let argv = CommandLine.unsafeArgv
        var trace = Trace(enabled: environment("DOTSLASH_TRACE") == "1", language: "")

        let exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        guard exe >= 0 else {
            Diagnostics.fail(language: "", .system("read trailer: open /proc/self/exe",
                                                   hint: "mount /proc: the runner reads its own file through /proc/self/exe"))
        }
        let trailer: RunnerTrailer
        do {
            trailer = try RunnerTrailer.read(fromFileDescriptor: exe)
        } catch .noTrailer {
            if argc < 2 { usage(nil) }
            Diagnostics.fail(language: "", RunnerFailure(
                step: "read trailer", cause: RunnerFormatError.noTrailer.description,
                hint: "this is the plain stub; `dotslash apply` builds runners that carry a rootfs",
                status: RunnerFailure.notFound))
        } catch {
            Diagnostics.fail(language: "", RunnerFailure(step: "read trailer", cause: error.description,
                                                         hint: PayloadReader.corruptHint))
        }
        let settings = trailer.settings
        trace.language = settings.language
        trace.phase("trailer")
        guard argc >= 2, let script = argv[1] else { usage(settings) }
        // With binfmt's P flag the kernel passes the script's own argv[0] next:
        // dropped, but only when the kernel started us (a run by hand has none).
        let skip = settings.preserveArgv0 && argc >= 3 && startedByBinfmt(script: script) ? 3 : 2
        let arguments = ArgumentList(start: argv + skip, count: argc - skip)

        do throws(RunnerFailure) {
            if try shebangMode(settings) == .host,
               let line = HostShebang.line(ofScript: script, searchPath: environment("PATH")) {
                trace.phase("shebang")
                trace.total()
                _ = HostShebang.exec(line, script: script, arguments: arguments)
                // The host could not run it after all: use the container.
            }
            trace.phase("shebang")
            let tree = try RootfsLocator.locate(runner: exe, trailer: trailer, environment: environment, trace: &trace)
            close(exe)
            trace.phase("rootfs")
            let spec = plan(settings: settings, tree: tree, script: String(cString: script))
            let env = ContainerEnvironment.build(caller: callerEnvironment(), base: settings.baseEnvironment,
                                                 manifest: settings.environment)
            trace.phase("plan")
            try Container.enter(spec, trace: &trace)
            trace.total()
            let code = Exec.run(settings.interpreter[0], prefix: settings.interpreter, script: script,
                                arguments: arguments, environment: Exec.environment(env))
            throw failure(exec: settings.interpreter[0], code, tree: tree)
        } catch {
            Diagnostics.fail(language: settings.language, error)
        }
    }

    private static func shebangMode(_ settings: RunnerSettings) throws(RunnerFailure) -> ShebangMode {
        switch environment("DOTSLASH_SHEBANG") {
        case nil, "": return settings.shebang
        case "host": return .host
        case "container": return .container
        case let other?:
            throw RunnerFailure(step: "read DOTSLASH_SHEBANG", cause: "\"\(other)\" is neither host nor container",
                                hint: "unset it, or set DOTSLASH_SHEBANG=host or DOTSLASH_SHEBANG=container")
        }
    }

    /// Everything the container needs from the host's view.
    private static func plan(settings: RunnerSettings, tree: String, script: String) -> ContainerSpec {
        let cwd = currentDirectory()
        let named = PathText.normalize(script, relativeTo: cwd)
        var canonical: String? = nil
        if let resolved = realpath(script, nil) {
            let text = String(cString: resolved)
            free(resolved)
            if text != named { canonical = text }
        }
        let home = environment("HOME")
        let request = BindRequest(currentDirectory: cwd, script: FileSystem.kind(named) == .file ? named : nil,
                                  canonicalScript: canonical, home: home, stateDirectory: settings.stateDirectory,
                                  interpreter: settings.interpreter[0], extraMounts: settings.mounts)
        let uid = getuid(), gid = getgid()
        let name = environment("USER") ?? environment("LOGNAME")
        return ContainerSpec(
            settings: settings, tree: tree, binds: MountPlan.binds(for: request, kind: FileSystem.kind),
            currentDirectory: cwd,
            passwdLine: IdentityFiles.userLine(uid: uid, gid: gid, hostPasswd: FileSystem.readText("/etc/passwd") ?? "",
                                               fallbackName: name, home: home),
            groupLine: IdentityFiles.groupLine(gid: gid, hostGroup: FileSystem.readText("/etc/group") ?? "",
                                               fallbackName: name))
    }

    private static func failure(exec program: String, _ code: Int32, tree: String) -> RunnerFailure {
        switch code {
        case ENOENT:
            return RunnerFailure(step: "exec \(program)", cause: "not found in the rootfs (or its loader is missing)",
                                 hint: "check `interpreter` in the language's manifest against the rootfs",
                                 status: RunnerFailure.notFound)
        case EACCES:
            return .system("exec \(program)", code,
                           hint: "if \(tree) is on a noexec filesystem, set XDG_CACHE_HOME to a directory on one that allows exec")
        default:
            return .system("exec \(program)", code)
        }
    }

    private static func usage(_ settings: RunnerSettings?) -> Never {
        if let settings {
            Diagnostics.write("usage: \(settings.language) runner SCRIPT [ARGS...]\n"
                + "runs SCRIPT with \(settings.interpreter.joined(separator: " ")) in the \(settings.language) rootfs\n")
        } else {
            Diagnostics.write("usage: dotslash-runner SCRIPT [ARGS...] (a runner without a payload; build one with `dotslash apply`)\n")
        }
        exit(64)
    }

    /// binfmt_misc leaves the script's path as the exec file name (AT_EXECFN)
    /// and passes it as argv[1]; a runner started by hand has its own there.
    private static func startedByBinfmt(script: UnsafeMutablePointer<CChar>) -> Bool {
        guard let execFileName = ds_exec_file_name() else { return false }
        return strcmp(execFileName, script) == 0
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static func callerEnvironment() -> [String] {
        var entries: [String] = []
        guard var cursor = ds_environ() else { return entries }
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }

    private static func currentDirectory() -> String {
        guard let path = getcwd(nil, 0) else { return "/" }
        defer { free(path) }
        return String(cString: path)
    }
}
