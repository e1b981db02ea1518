import RunnerFormat

/// What a host path is, as far as binding goes.
enum HostPathKind: Equatable {
    case directory
    case file
}

/// One bind of a host path into the container.
struct Bind: Equatable {
    var source: String
    var target: String
    var readOnly: Bool
    var isDirectory: Bool
}

/// The caller's view that decides which host paths appear inside.
struct BindRequest {
    var currentDirectory: String
    /// SCRIPT as named, made absolute and normalised; nil without a script file.
    var script: String?
    /// SCRIPT with every symlink resolved, when it differs.
    var canonicalScript: String?
    var home: String?
    var stateDirectory: String
    var interpreter: String
    var extraMounts: [RunnerMount]
}

/// Design 4.3: which host paths are bound where, parents before children.
enum MountPlan {
    /// Never bound over (nor any of their ancestors): the container's own system.
    static let systemDirectories = ["/usr", "/bin", "/sbin", "/etc"]

    static func binds(for request: BindRequest, kind: (String) -> HostPathKind?) -> [Bind] {
        let interpreterDirectory = PathText.dirname(PathText.normalize(request.interpreter, relativeTo: "/"))
        func normal(_ path: String) -> String { PathText.normalize(path, relativeTo: request.currentDirectory) }

        var directories: [Bind] = []
        var files: [Bind] = []
        func consider(_ source: String, _ target: String, readOnly: Bool, script: String? = nil) {
            switch kind(source) {
            case .directory?:
                if !isProtected(target, interpreterDirectory: interpreterDirectory) {
                    directories.append(Bind(source: source, target: target, readOnly: readOnly, isDirectory: true))
                } else if let script, kind(script) == .file {
                    // Keep the container's system: show only the script itself.
                    files.append(Bind(source: script, target: script, readOnly: false, isDirectory: false))
                }
            case .file?:
                if script == nil {
                    files.append(Bind(source: source, target: target, readOnly: readOnly, isDirectory: false))
                }
            case nil:
                return
            }
        }

        for path in ["/dev", "/proc", "/sys"] where kind(path) == .directory {
            directories.append(Bind(source: path, target: path, readOnly: path == "/sys", isDirectory: true))
        }
        consider("/tmp", "/tmp", readOnly: false)
        if let home = request.home, home.hasPrefix("/") { consider(normal(home), normal(home), readOnly: false) }
        consider(request.currentDirectory, request.currentDirectory, readOnly: false)
        for script in [request.script, request.canonicalScript] {
            guard let script else { continue }
            let directory = PathText.dirname(script)
            consider(directory, directory, readOnly: false, script: script)
        }
        consider(normal(request.stateDirectory), normal(request.stateDirectory), readOnly: true)
        for mount in request.extraMounts {
            consider(normal(mount.hostPath), normal(mount.containerPath), readOnly: mount.readOnly)
        }
        for path in ["/etc/resolv.conf", "/etc/hosts"] where kind(path) == .file {
            files.append(Bind(source: path, target: path, readOnly: true, isDirectory: false))
        }

        // Parents first (a stable insertion sort by depth), so a child bind
        // lands on top of its parent's.
        var ordered: [Bind] = []
        for bind in directories {
            let depth = PathText.depth(bind.target)
            var index = ordered.count
            while index > 0 && PathText.depth(ordered[index - 1].target) > depth { index -= 1 }
            ordered.insert(bind, at: index)
        }
        var result: [Bind] = []
        for bind in ordered + files where !result.contains(where: { covers($0, bind) }) {
            result.append(bind)
        }
        return result
    }

    /// A directory that must keep the rootfs's content: `/`, the system
    /// directories, `/lib*`, the interpreter's directory, and their ancestors.
    static func isProtected(_ path: String, interpreterDirectory: String) -> Bool {
        if path == "/" { return true }
        let parts = PathText.components(path)
        if parts.count == 1, parts[0].hasPrefix("lib") { return true }
        if PathText.isAncestorOrSelf(path, of: interpreterDirectory) { return true }
        return systemDirectories.contains { PathText.isAncestorOrSelf(path, of: $0) }
    }

    /// True when `outer` already shows `inner`'s source at `inner`'s target
    /// with the same access, so `inner` would add nothing.
    static func covers(_ outer: Bind, _ inner: Bind) -> Bool {
        guard outer.isDirectory, outer.readOnly == inner.readOnly,
              PathText.isAncestorOrSelf(outer.target, of: inner.target),
              PathText.isAncestorOrSelf(outer.source, of: inner.source) else { return false }
        return PathText.relative(inner.target, to: outer.target) == PathText.relative(inner.source, to: outer.source)
    }
}
