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
        for (path, readOnly) in [("/dev", false), ("/proc", false), ("/sys", true)] where kind(path) == .directory {
            directories.append(Bind(source: path, target: path, readOnly: readOnly, isDirectory: true))
        }

        var wanted: [(source: String, target: String, readOnly: Bool, script: String?)] = [
            ("/tmp", "/tmp", false, nil)
        ]
        if let home = request.home, home.hasPrefix("/") { wanted.append((normal(home), normal(home), false, nil)) }
        wanted.append((request.currentDirectory, request.currentDirectory, false, nil))
        for script in [request.script, request.canonicalScript].compactMap({ $0 }) {
            let directory = PathText.dirname(script)
            wanted.append((directory, directory, false, script))
        }
        wanted.append((normal(request.stateDirectory), normal(request.stateDirectory), true, nil))
        for mount in request.extraMounts {
            wanted.append((normal(mount.hostPath), normal(mount.containerPath), mount.readOnly, nil))
        }

        for item in wanted {
            switch kind(item.source) {
            case .directory?:
                if isProtected(item.target, interpreterDirectory: interpreterDirectory) {
                    // Keep the container's system: show only the script itself.
                    if let script = item.script, kind(script) == .file {
                        files.append(Bind(source: script, target: script, readOnly: false, isDirectory: false))
                    }
                } else {
                    directories.append(Bind(source: item.source, target: item.target, readOnly: item.readOnly,
                                            isDirectory: true))
                }
            case .file?:
                if item.script == nil {
                    files.append(Bind(source: item.source, target: item.target, readOnly: item.readOnly,
                                      isDirectory: false))
                }
            case nil:
                continue
            }
        }
        for path in ["/etc/resolv.conf", "/etc/hosts"] where kind(path) == .file {
            files.append(Bind(source: path, target: path, readOnly: true, isDirectory: false))
        }

        // Parents first, so a child bind lands on top of its parent's.
        let ordered = directories.enumerated().sorted {
            let left = PathText.components($0.element.target).count, right = PathText.components($1.element.target).count
            return left != right ? left < right : $0.offset < $1.offset
        }.map(\.element)
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
        return (systemDirectories + [interpreterDirectory]).contains { PathText.isAncestorOrSelf(path, of: $0) }
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
