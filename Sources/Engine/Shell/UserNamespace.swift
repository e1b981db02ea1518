import CSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Entering user namespaces from the `dotslash` process itself. unshare(2)
/// with CLONE_NEWUSER fails in a process with more than one thread, so these
/// run before anything could have started one, and check that first.
enum UserNamespace {
    struct Failure: Error, CustomStringConvertible {
        var step: String
        var errno: Int32
        var hint: String?

        var description: String {
            var text = "\(step): \(String(cString: strerror(errno)))"
            if let hint { text += "\nhint: \(hint)" }
            return text
        }
    }

    /// A new user namespace (and mount namespace when `mountNamespace`) in
    /// which `insideUID`/`insideGID` are the caller's current ids.
    static func enter(insideUID: uid_t, insideGID: gid_t, mountNamespace: Bool) throws(Failure) {
        let outsideUID = getuid(), outsideGID = getgid()
        let threads = threadCount()
        if threads > 1 {
            throw Failure(step: "create a user namespace", errno: EINVAL,
                          hint: "the process has \(threads) threads; user namespaces need a single-threaded process")
        }
        var flags = ds_CLONE_NEWUSER
        if mountNamespace { flags |= ds_CLONE_NEWNS }
        guard ds_unshare(flags) == 0 else {
            let code = errno
            throw Failure(step: "create a user namespace", errno: code, hint: disabledUserNamespaceHint(code))
        }
        try write("/proc/self/setgroups", "deny", step: "deny setgroups in the new user namespace")
        try write("/proc/self/uid_map", "\(insideUID) \(outsideUID) 1\n", step: "map uid \(outsideUID) to \(insideUID)")
        try write("/proc/self/gid_map", "\(insideGID) \(outsideGID) 1\n", step: "map gid \(outsideGID) to \(insideGID)")
    }

    /// Mount propagation private, so nothing done here reaches the parent.
    static func makeMountsPrivate() throws(Failure) {
        guard ds_mount("none", "/", nil, ds_MS_REC | ds_MS_PRIVATE, nil) == 0 else {
            throw Failure(step: "make mounts private", errno: errno, hint: nil)
        }
    }

    static func disabledUserNamespaceHint(_ code: Int32) -> String? {
        guard code == EPERM || code == ENOSPC || code == EACCES else { return nil }
        var reasons: [String] = []
        if readSysctl("kernel/apparmor_restrict_unprivileged_userns") == "1" {
            reasons.append("AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)")
        }
        if readSysctl("kernel/unprivileged_userns_clone") == "0" {
            reasons.append("kernel.unprivileged_userns_clone=0")
        }
        if readSysctl("user/max_user_namespaces") == "0" {
            reasons.append("user.max_user_namespaces=0")
        }
        let cause = reasons.isEmpty ? "user namespaces are not available to this user" : reasons.joined(separator: "; ")
        return "\(cause). Ask the administrator to allow unprivileged user namespaces, or run `sudo dotslash apply` to register languages system-wide."
    }

    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 1
    }

    static func readSysctl(_ name: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/\(name)", encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func write(_ path: String, _ text: String, step: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(step: step, errno: errno, hint: nil) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw Failure(step: step, errno: errno, hint: nil)
        }
    }
}
