import Foundation
import Testing
import TestSupport

/// The runner where the caller's root has no libc, and dotslash scripts
/// that run other dotslash scripts through binfmt_misc.
@Suite struct RunnerNestingTests {
    let harness: RunnerHarness

    init() throws { harness = try RunnerHarness.shared() }

    /// A root directory holding only the runner, a script and empty
    /// mount points: no libc, no loader, no shell.
    func bareRoot(for caller: Caller) throws -> String {
        let root = try harness.directory(for: caller, "bare")
        for directory in ["proc", "dev", "sys", "tmp", "home"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: harness.busybox.path, toPath: root + "/runner")
        try harness.write(root + "/hello.sh", "echo \"hello from $(pwd) as $(id -un)\"\n", by: caller)
        try harness.own(root, by: caller)
        return root
    }

    @Test func staticRunnerStartsInAChrootWithoutLibc() throws {
        let root = try bareRoot(for: .root)
        #expect(!FileManager.default.fileExists(atPath: root + "/lib") && !FileManager.default.fileExists(atPath: root + "/usr"))
        // In a private mount namespace: the chroot directory is a mount point
        // (as schroot and container runtimes make it), with /proc and /dev.
        let setup = """
            mount --make-rprivate / && mount --bind "$1" "$1" && mount --rbind /proc "$1/proc" \
            && mount --rbind /dev "$1/dev" && exec chroot "$1" /runner /hello.sh
            """
        let result = try Command.run(["unshare", "--mount", "/usr/bin/env", "-i", "HOME=/home", "USER=root",
                                      "/bin/sh", "-c", setup, "sh", root])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "hello from / as root\n")
    }

    @Test func staticRunnerStartsInAContainerWithoutLibcAsAUser() throws {
        let root = try bareRoot(for: .user)
        let bwrap = ["bwrap", "--bind", root, "/", "--bind", "/proc", "/proc", "--dev-bind", "/dev", "/dev",
                     "--chdir", "/home", "--setenv", "HOME", "/home", "/runner", "/hello.sh"]
        let result = try Command.run(TestUser.shared.usernsRunPrefix + ["/usr/bin/env", "-i", "USER=\(Caller.user.name)"] + bwrap)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "hello from /home as \(Caller.user.name)\n")
    }

    /// A python script (through the python runner) runs a busybox script by
    /// its path: the kernel hands it to the busybox runner registered in the
    /// namespace's own binfmt_misc, which starts a container inside the first.
    @Test(arguments: Caller.allCases)
    func dotslashScriptRunsAnotherThroughBinfmt(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        try harness.write(dir + "/outer.py", """
            import subprocess
            inner = subprocess.run(["./inner.sh", "from python"], capture_output=True, text=True)
            print("outer got:", inner.stdout.strip(), inner.returncode, inner.stderr.strip())
            """, executable: true, by: caller)
        try harness.write(dir + "/inner.sh", "echo \"inner $1 as $(id -un)\"; exit 7\n", executable: true, by: caller)
        let register = """
            printf ':dotslash-test-sh:E::sh::%s:F' "$1" > /proc/sys/fs/binfmt_misc/register \
            && printf ':dotslash-test-py:E::py::%s:F' "$2" > /proc/sys/fs/binfmt_misc/register && shift 2 && exec "$@"
            """
        let drop = caller == .user
            ? ["setpriv", "--reuid=\(caller.uid)", "--regid=\(caller.gid)", "--clear-groups"] : []
        let usernsRun = TestPaths.packageRoot.appendingPathComponent("Tests/Support/userns-run").path
        let result = try Command.run(
            [usernsRun, "--", "/bin/sh", "-c", register, "sh", harness.busybox.path, harness.python.path] + drop
                + ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=\(try harness.home(for: caller))", "USER=\(caller.name)",
                   "./outer.py"],
            directory: dir)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "outer got: inner from python as \(caller.name) 7 \n", "\(result)")
    }

    /// With binfmt's P flag the kernel adds the script's argv[0]; the runner
    /// drops it then, and only then: run by hand, every argument stays.
    @Test func preserveArgv0DropsOnlyTheKernelsExtraArgument() throws {
        let dir = try harness.directory(for: .root)
        var settings = harness.busybox.trailer.settings
        settings.preserveArgv0 = true
        let runner = try RunnerHarness.build("busybox-p", payload: harness.busyboxTarball, settings: settings, in: dir)
        try harness.write(dir + "/args.pargs", "echo \"$0|$*\"\n", executable: true, by: .root)
        let register = "printf ':dotslash-test-p:E::pargs::%s:PF' \"$1\" > /proc/sys/fs/binfmt_misc/register && shift && exec \"$@\""
        let usernsRun = TestPaths.packageRoot.appendingPathComponent("Tests/Support/userns-run").path
        let viaKernel = try Command.run([usernsRun, "--", "/bin/sh", "-c", register, "sh", runner.path,
                                         "/usr/bin/env", "HOME=\(try harness.home(for: .root))", "./args.pargs", "a", "b c"],
                                        directory: dir)
        #expect(viaKernel.status == 0, "\(viaKernel)")
        #expect(viaKernel.stdout == "./args.pargs|a b c\n")
        let byHand = try harness.run(.root, [runner.path, "./args.pargs", "a", "b c"], in: dir)
        #expect(byHand.stdout == "./args.pargs|a b c\n", "\(byHand)")
    }
}
