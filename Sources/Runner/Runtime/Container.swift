#if canImport(Glibc)
import Glibc
#endif
import CSystem
import RunnerFormat

/// What the container is made of; all of it computed from the host's view
/// before any namespace exists.
struct ContainerSpec {
    var settings: RunnerSettings
    var tree: String
    var binds: [Bind]
    var currentDirectory: String
    var passwdLine: String
    var groupLine: String
}

/// Design 4.3: namespaces, an overlay root over the read-only tree with a
/// throwaway tmpfs layer, host paths bound at their own paths, pivot_root.
/// On return the process is inside, in the caller's directory, ready to exec.
enum Container {
    static let userNamespaceHint =
        "user namespaces are disabled or restricted here: check `sysctl kernel.apparmor_restrict_unprivileged_userns` "
        + "(0, or an AppArmor profile that allows userns for the runner), `user.max_user_namespaces` (> 0) and "
        + "`kernel.unprivileged_userns_clone` (1); they can never be created inside a chroot"

    static func enter(_ spec: ContainerSpec, trace: inout Trace) throws(RunnerFailure) {
        let uid = getuid(), gid = getgid()
        let privileged = geteuid() == 0
        var flags = ds_CLONE_NEWNS
        if !privileged { flags |= ds_CLONE_NEWUSER }
        if spec.settings.network == .none { flags |= ds_CLONE_NEWNET }
        guard ds_unshare(flags) == 0 else {
            let code = errno
            throw .system(privileged ? "create namespaces" : "create user namespace", code,
                          hint: privileged ? nil : userNamespaceHint)
        }
        if !privileged {
            try writeProcess("setgroups", "deny")
            try writeProcess("uid_map", "\(uid) \(uid) 1\n")
            try writeProcess("gid_map", "\(gid) \(gid) 1\n")
        }
        guard ds_mount(nil, "/", nil, ds_MS_REC | ds_MS_PRIVATE, nil) == 0 else {
            throw .system("make mounts private", hint: errno == EINVAL
                ? "the runner's root is not a mount point (a chroot into a plain directory): bind-mount the chroot directory onto itself first"
                : nil)
        }
        if spec.settings.network == .none, ds_loopback_up() != 0 { throw .system("bring up loopback") }
        trace.phase("namespaces")

        // Opened inside the new namespace: overlayfs takes only layers from its own mounts.
        let lower = open(spec.tree, ds_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard lower >= 0 else { throw .system("open rootfs \(spec.tree)") }
        defer { close(lower) }

        let root = try mountOverlay(lower: lower, at: spec.tree)
        defer { close(root) }
        trace.phase("overlay")
        for bind in spec.binds { try self.bind(bind, into: root) }
        if !spec.binds.contains(where: { $0.isDirectory && PathText.isAncestorOrSelf($0.target, of: spec.currentDirectory) }) {
            // Not bound (a protected directory): make sure it exists to chdir into.
            if let fd = try? MountPoint.ensure(spec.currentDirectory, directory: true, in: root) { close(fd) }
        }
        try writeIdentity(spec, into: root)
        trace.phase("binds")

        try pivot(into: root)
        guard ds_mount(nil, "/", nil, ds_MS_REMOUNT | ds_MS_BIND | ds_MS_RDONLY | ds_MS_NOSUID | ds_MS_NODEV, nil) == 0 else {
            throw .system("make the root read-only")
        }
        guard chdir(spec.currentDirectory) == 0 else { throw .system("enter \(spec.currentDirectory) in the container") }
        guard ds_set_no_new_privs() == 0 else { throw .system("set no_new_privs") }
        trace.phase("pivot")
    }

    /// tmpfs over the tree's own path (only this namespace sees it) holding
    /// the overlay's upper, work and mount directories; the lower layer is
    /// reached through the descriptor opened before the tmpfs hid it.
    private static func mountOverlay(lower: Int32, at tree: String) throws(RunnerFailure) -> Int32 {
        guard ds_mount("tmpfs", tree, "tmpfs", ds_MS_NOSUID | ds_MS_NODEV, "mode=0755") == 0 else {
            throw .system("mount the writable layer")
        }
        let scratch = open(tree, ds_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard scratch >= 0 else { throw .system("open the writable layer") }
        defer { close(scratch) }
        func directory(_ name: String) throws(RunnerFailure) -> Int32 {
            guard mkdirat(scratch, name, 0o755) == 0 else { throw .system("create the overlay's \(name) directory") }
            let fd = ds_openat(scratch, name, ds_O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
            guard fd >= 0 else { throw .system("open the overlay's \(name) directory") }
            return fd
        }
        let upper = try directory("upper")
        defer { close(upper) }
        let work = try directory("work")
        defer { close(work) }
        let mountPoint = try directory("root")
        defer { close(mountPoint) }
        let options = "lowerdir=/proc/self/fd/\(lower),upperdir=/proc/self/fd/\(upper),workdir=/proc/self/fd/\(work)"
        if ds_mount("overlay", "/proc/self/fd/\(mountPoint)", "overlay", ds_MS_NOSUID, options) != 0 {
            // Some kernels want overlay's xattrs in the user.* namespace inside a user namespace.
            guard ds_mount("overlay", "/proc/self/fd/\(mountPoint)", "overlay", ds_MS_NOSUID, options + ",userxattr") == 0 else {
                throw .system("mount the overlay root",
                              hint: "the kernel must allow overlayfs in a user namespace (Linux 5.11 or later)")
            }
        }
        // The tree may lie under a directory bound later ($HOME holds the
        // cache): unbindable, the layer and the overlay stay out of those copies.
        guard ds_mount(nil, tree, nil, ds_MS_UNBINDABLE, nil) == 0 else {
            throw .system("make the writable layer unbindable")
        }
        let root = open(tree + "/root", ds_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw .system("open the overlay root") }
        return root
    }

    private static func bind(_ bind: Bind, into root: Int32) throws(RunnerFailure) {
        let target: Int32
        do throws(RunnerFailure) {
            target = try MountPoint.ensure(bind.target, directory: bind.isDirectory, in: root)
        } catch {
            throw RunnerFailure(step: "bind \(bind.source)", cause: "cannot create \(bind.target) in the container: \(error.cause)",
                                hint: "the rootfs has something else at that path")
        }
        defer { close(target) }
        if ds_mount(bind.source, "/proc/self/fd/\(target)", nil, ds_MS_BIND | ds_MS_REC, nil) != 0 {
            if errno == ENOENT { return }  // vanished since the plan
            throw .system("bind \(bind.source) at \(bind.target)")
        }
        // Read-only is free when the caller could not write the source anyway.
        guard bind.readOnly, bind.isDirectory || access(bind.source, W_OK) == 0 else { return }
        // Reopen: the old descriptor names the directory under the new mount.
        let mounted = ds_openat_in_root(root, bind.target, ds_O_PATH | O_CLOEXEC, 0)
        guard mounted >= 0 else { throw .system("reopen \(bind.target)") }
        defer { close(mounted) }
        guard ds_remount_bind_readonly("/proc/self/fd/\(mounted)", 0) == 0 else {
            throw .system("make \(bind.target) read-only")
        }
    }

    private static func writeIdentity(_ spec: ContainerSpec, into root: Int32) throws(RunnerFailure) {
        let etc = try MountPoint.ensure("/etc", directory: true, in: root)
        defer { close(etc) }
        try writeDatabase("passwd", line: spec.passwdLine, in: etc)
        try writeDatabase("group", line: spec.groupLine, in: etc)
    }

    /// /etc/NAME in the writable layer: the rootfs's entries merged with `line`.
    private static func writeDatabase(_ name: String, line: String, in etc: Int32) throws(RunnerFailure) {
        let existing = FileSystem.readText(ds_openat(etc, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0)) ?? ""
        let text = IdentityFiles.merge(line, into: existing)
        var fd = ds_openat(etc, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ELOOP {
            _ = unlinkat(etc, name, 0)
            fd = ds_openat(etc, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw .system("write /etc/\(name) in the container") }
        let code = FileSystem.writeAll(fd, text)
        close(fd)
        guard code == 0 else { throw .system("write /etc/\(name) in the container", code) }
    }

    /// pivot_root into the overlay and drop the old root. In a chroot the
    /// kernel refuses pivot_root; moving the new root over "/" and chrooting
    /// into it gives the same view.
    private static func pivot(into root: Int32) throws(RunnerFailure) {
        guard fchdir(root) == 0 else { throw .system("enter the new root") }
        if ds_pivot_root(".", ".") == 0 {
            guard ds_umount2(".", ds_MNT_DETACH) == 0 else { throw .system("detach the old root") }
        } else {
            guard errno == EINVAL, ds_mount(".", "/", nil, ds_MS_MOVE, nil) == 0, chroot(".") == 0 else {
                throw .system("pivot_root into the container")
            }
        }
        guard chdir("/") == 0 else { throw .system("enter the new root") }
    }

    private static func writeProcess(_ name: String, _ text: String) throws(RunnerFailure) {
        let fd = open("/proc/self/" + name, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open /proc/self/\(name)", hint: userNamespaceHint) }
        defer { close(fd) }
        let code = FileSystem.writeAll(fd, text)
        guard code == 0 else { throw .system("write /proc/self/\(name)", code, hint: userNamespaceHint) }
    }
}

/// Creating mount points inside the new root, resolving every path as if
/// the new root were "/": a symlink in the rootfs can never send a mkdir
/// or a bind out to the host.
enum MountPoint {
    /// An O_PATH descriptor of `path` inside `root`, created (directories
    /// 0755, files empty 0644) in the writable layer when missing. A
    /// symlink where a file is wanted is replaced.
    static func ensure(_ path: String, directory: Bool, in root: Int32) throws(RunnerFailure) -> Int32 {
        // Usually the whole path exists already: one lookup.
        let existing = ds_openat_in_root(root, path, ds_O_PATH | O_CLOEXEC, 0)
        if existing >= 0 {
            var info = stat()
            if fstat(existing, &info) == 0 && FileSystem.isDirectory(info) == directory { return existing }
            close(existing)
        }
        let parts = PathText.components(path)
        var parent = dup(root)
        guard parent >= 0 else { throw .system("dup") }
        var prefix = ""
        for index in 0..<parts.count {
            let part = parts[index]
            prefix += "/" + part
            let isLast = index == parts.count - 1
            var fd = ds_openat_in_root(root, prefix, ds_O_PATH | O_CLOEXEC, 0)
            if fd < 0 && errno == ENOENT {
                let name = part
                if isLast && !directory {
                    _ = unlinkat(parent, name, 0)  // a dangling symlink
                    let file = ds_openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
                    if file >= 0 { close(file) }
                } else {
                    _ = mkdirat(parent, name, 0o755)
                }
                fd = ds_openat_in_root(root, prefix, ds_O_PATH | O_CLOEXEC, 0)
            }
            let code = errno
            close(parent)
            guard fd >= 0 else { throw .system("create \(prefix)", code) }
            parent = fd
        }
        var info = stat()
        guard fstat(parent, &info) == 0 else { close(parent); throw .system("stat \(path)") }
        guard FileSystem.isDirectory(info) == directory else {
            close(parent)
            throw RunnerFailure(step: "create \(path)", cause: directory ? "not a directory" : "a directory")
        }
        return parent
    }
}
