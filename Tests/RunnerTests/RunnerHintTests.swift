import Foundation
import Testing
import TestSupport

/// Failures a user can meet on a misconfigured machine: each names the
/// language and the step, and hints at the fix.
@Suite struct RunnerHintTests {
    let harness: RunnerHarness

    init() throws { harness = try RunnerHarness.shared() }

    /// user.max_user_namespaces = 0 inside a namespace of the test's own (the
    /// host's setting is untouched), then the runner as an unprivileged user.
    @Test func disabledUserNamespacesAreExplained() throws {
        let dir = try harness.directory(for: .user)
        try harness.write(dir + "/x.sh", "echo ran\n", by: .user)
        let usernsRun = TestPaths.packageRoot.appendingPathComponent("Tests/Support/userns-run").path
        let result = try Command.run(
            [usernsRun, "--no-binfmt", "--", "/bin/sh", "-c", "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$@\"",
             "sh", "setpriv", "--reuid=\(Caller.user.uid)", "--regid=\(Caller.user.gid)", "--clear-groups",
             "/usr/bin/env", "-i", "HOME=\(try harness.home(for: .user))", harness.busybox.path, "x.sh"],
            directory: dir)
        #expect(result.status == 126, "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("dotslash-runner: busybox: create user namespace: "), "\(result)")
        #expect(result.stderr.contains("hint: user namespaces are disabled or restricted here"))
        #expect(result.stderr.contains("user.max_user_namespaces"))
    }

    @Test func chrootIntoAPlainDirectoryIsExplained() throws {
        let root = try harness.directory(for: .root, "plain-chroot")
        for directory in ["proc", "home"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: harness.busybox.path, toPath: root + "/runner")
        try harness.write(root + "/x.sh", "echo ran\n", by: .root)
        let setup = "mount --make-rprivate / && mount --rbind /proc \"$1/proc\" && exec chroot \"$1\" /runner /x.sh"
        let result = try Command.run(["unshare", "--mount", "/usr/bin/env", "-i", "HOME=/home",
                                      "/bin/sh", "-c", setup, "sh", root])
        #expect(result.status == 126, "\(result)")
        #expect(result.stderr.contains("dotslash-runner: busybox: make mounts private: Invalid argument"), "\(result)")
        #expect(result.stderr.contains("hint: the runner's root is not a mount point"))
    }
}
