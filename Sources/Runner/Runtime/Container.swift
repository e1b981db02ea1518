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

        let root = try mountOverlay(lower: lower, at: spec.tree) { layer throws(RunnerFailure) in
            try prepare(spec, in: layer)
        }
        defer { close(root.descriptor) }
        trace.phase("overlay")
        for bind in root.binds { try self.bind(bind, into: root.descriptor) }
        trace.phase("binds")

        try pivot(into: root.descriptor)
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
    private static func mountOverlay(
        lower: Int32, at tree: String, prepare: (UpperLayer) throws(RunnerFailure) -> [Bind]
    ) throws(RunnerFailure) -> (descriptor: Int32, binds: [Bind]) {
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
        let binds = try prepare(UpperLayer(lower: lower, upper: upper))
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
        return (root, binds)
    }

    /// Mount points the tree lacks and the identity files, in the upper
    /// layer; returns the binds that can land (a path the tree holds as the
    /// wrong kind of thing is left out).
    private static func prepare(_ spec: ContainerSpec, in layer: UpperLayer) throws(RunnerFailure) -> [Bind] {
        var kept: [Bind] = []
        for bind in spec.binds {
            // Below an earlier bind the host provides the mount point.
            if kept.contains(where: { $0.isDirectory && $0.target != bind.target
                                      && PathText.isAncestorOrSelf($0.target, of: bind.target) }) {
                kept.append(bind)
                continue
            }
            guard let resolved = layer.resolve(bind.target) else { continue }
            switch layer.kind(resolved) {
            case .directory where bind.isDirectory, .file where !bind.isDirectory:
                kept.append(bind)
            case .missing:
                guard layer.create(resolved, directory: bind.isDirectory) else {
                    throw .system("create the mount point \(bind.target) in the container")
                }
                kept.append(bind)
            default:
                continue
            }
        }
        // An unbound current directory (a protected one) must still exist to enter.
        if !kept.contains(where: { $0.isDirectory && PathText.isAncestorOrSelf($0.target, of: spec.currentDirectory) }),
           let resolved = layer.resolve(spec.currentDirectory), layer.kind(resolved) == .missing {
            _ = layer.create(resolved, directory: true)
        }
        try writeDatabase("passwd", line: spec.passwdLine, in: layer)
        try writeDatabase("group", line: spec.groupLine, in: layer)
        return kept
    }

    /// /etc/NAME in the upper layer: the tree's entries merged with `line`.
    private static func writeDatabase(_ name: String, line: String, in layer: UpperLayer) throws(RunnerFailure) {
        guard let path = layer.resolve("/etc/" + name), layer.kind(path) != .directory else { return }
        let existing = layer.kind(path) == .file ? layer.read(path) : ""
        let code = layer.write(path, IdentityFiles.merge(line, into: existing))
        guard code == 0 else { throw .system("write /etc/\(name) for the container", code) }
    }

    private static func bind(_ bind: Bind, into root: Int32) throws(RunnerFailure) {
        let target = ds_openat_in_root(root, bind.target, ds_O_PATH | O_CLOEXEC, 0)
        guard target >= 0 else {
            throw .system("bind \(bind.source): find \(bind.target) in the container",
                          hint: "a bind's container path must exist on the host when it lies inside another bind")
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
