/// A file name as the archive stores it: bytes, compared as bytes (two
/// names that Unicode calls equivalent are still two files on Linux).
typealias NameBytes = [UInt8]

/// A regular file's content: the member of a layer that carries it.
struct ContentID: Hashable, Comparable {
    var layer: Int
    var member: Int

    static func < (lhs: ContentID, rhs: ContentID) -> Bool {
        (lhs.layer, lhs.member) < (rhs.layer, rhs.member)
    }
}

/// What a flattened entry is.
enum NodeKind: Equatable {
    case directory
    case regular(ContentID, size: Int64)
    case symlink(NameBytes)
    case fifo
}

/// Ownership, permission bits (setuid, setgid and sticky included) and
/// modification time, as the layer recorded them.
struct NodeMetadata: Equatable {
    var mode: UInt32
    var uid: Int64
    var gid: Int64
    var mtime: Int64

    /// Directories that a layer implies without listing them.
    static let implicitDirectory = NodeMetadata(mode: 0o755, uid: 0, gid: 0, mtime: 0)
}

final class TreeNode {
    var kind: NodeKind
    var metadata: NodeMetadata
    var children: [NameBytes: TreeNode] = [:]
    /// The last layer that wrote this node or anything below it: an opaque
    /// whiteout hides what lower layers wrote, not what its own layer wrote.
    var lastLayer: Int

    init(kind: NodeKind, metadata: NodeMetadata, layer: Int) {
        self.kind = kind
        self.metadata = metadata
        lastLayer = layer
    }

    var isDirectory: Bool { kind == .directory }
}

/// Why a layer member cannot be applied; collected so the user sees them all.
struct LayerProblem: Error, Equatable, CustomStringConvertible {
    var layer: Int
    var name: String
    var reason: String

    var description: String { "layer \(layer + 1): \(name): \(reason)" }
}

/// One member of a layer, as the tree needs it.
struct LayerMember {
    enum Kind: Equatable {
        case directory
        case regular(size: Int64)
        case symlink(NameBytes)
        case hardlink(NameBytes)
        case fifo
        /// Device nodes and sockets: the container gets the host's /dev.
        case unsupported(String)
    }

    var name: NameBytes
    var kind: Kind
    var metadata: NodeMetadata
}

/// The image's file tree, built in memory from the layers' headers with the
/// OCI rules: later layers replace earlier entries; `.wh.NAME` deletes NAME
/// from lower layers; `.wh..wh..opq` hides everything lower layers put in
/// its directory. Path components that are symlinks are followed inside the
/// tree (never outside it, `..` stops at its root), as container engines
/// do, so the flattened tree never has to write through a symlink.
final class LayerTree {
    let root = TreeNode(kind: .directory, metadata: .implicitDirectory, layer: -1)
    /// Members left out, with the reason (device nodes, sockets).
    private(set) var skipped: [LayerProblem] = []

    static let whiteoutPrefix = Array(".wh.".utf8)
    static let opaqueMarker = Array(".wh..wh..opq".utf8)
    static let maxSymlinkHops = 40

    /// Applies member `index` of layer `layer`.
    func apply(_ member: LayerMember, layer: Int, index: Int) throws {
        let display = String(decoding: member.name, as: UTF8.self)
        func problem(_ reason: String) -> LayerProblem { LayerProblem(layer: layer, name: display, reason: reason) }

        if member.name.first == UInt8(ascii: "/") { throw problem("absolute path") }
        let components = Self.components(member.name)
        if components.contains(Array("..".utf8)) { throw problem("path contains '..'") }
        guard let base = components.last else { return }  // the layer's own "./"
        let parentPath = Array(components.dropLast())

        if base == Self.opaqueMarker {
            hideLower(in: try parentDirectory(parentPath, layer: layer, problem: problem), layer: layer)
            return
        }
        if base.starts(with: Self.whiteoutPrefix) {
            let hidden = NameBytes(base.dropFirst(Self.whiteoutPrefix.count))
            // Other ".wh..wh." names are aufs bookkeeping, not whiteouts.
            if hidden.starts(with: Self.whiteoutPrefix) || hidden.isEmpty { return }
            // A whiteout for something below a path that does not exist hides nothing.
            guard let directory = try resolveDirectory(parentPath, create: false, layer: layer, problem: problem),
                  let victim = directory.children[hidden], victim.lastLayer < layer else { return }
            directory.children[hidden] = nil
            return
        }

        let node: TreeNode
        switch member.kind {
        case .unsupported(let what):
            skipped.append(problem("\(what) skipped (the container gets the host's /dev)"))
            return
        case .directory:
            let directory = try parentDirectory(parentPath, layer: layer, problem: problem)
            if let existing = directory.children[base], existing.isDirectory {
                existing.metadata = member.metadata
                existing.lastLayer = layer
                return
            }
            node = TreeNode(kind: .directory, metadata: member.metadata, layer: layer)
        case .regular(let size):
            node = TreeNode(kind: .regular(ContentID(layer: layer, member: index), size: size), metadata: member.metadata, layer: layer)
        case .symlink(let target):
            node = TreeNode(kind: .symlink(target), metadata: member.metadata, layer: layer)
        case .fifo:
            node = TreeNode(kind: .fifo, metadata: member.metadata, layer: layer)
        case .hardlink(let target):
            node = try linkedCopy(of: target, layer: layer, problem: problem)
        }
        try parentDirectory(parentPath, layer: layer, problem: problem).children[base] = node
    }

    /// A hard link shares its target's content and metadata.
    private func linkedCopy(of target: NameBytes, layer: Int, problem: (String) -> LayerProblem) throws -> TreeNode {
        let shown = String(decoding: target, as: UTF8.self)
        if target.first == UInt8(ascii: "/") { throw problem("hard link to the absolute path \(shown)") }
        let components = Self.components(target)
        if components.contains(Array("..".utf8)) { throw problem("hard link target \(shown) contains '..'") }
        guard let name = components.last,
              let directory = try resolveDirectory(Array(components.dropLast()), create: false, layer: layer, problem: problem),
              let original = directory.children[name] else {
            throw problem("hard link to \(shown), which no earlier member created")
        }
        switch original.kind {
        case .directory: throw problem("hard link to the directory \(shown)")
        default: return TreeNode(kind: original.kind, metadata: original.metadata, layer: layer)
        }
    }

    /// The directory a new member goes into, created when missing.
    private func parentDirectory(_ components: [NameBytes], layer: Int, problem: (String) -> LayerProblem) throws -> TreeNode {
        guard let directory = try resolveDirectory(components, create: true, layer: layer, problem: problem) else {
            throw problem("its parent directory cannot be created")
        }
        return directory
    }

    /// Walks to the directory at `components`, following symlinks inside
    /// the tree. Missing directories are created (as a layer's implied
    /// parents) when `create` is set; else the walk gives nil. Every
    /// directory on the way is marked as written by `layer` when creating.
    private func resolveDirectory(_ components: [NameBytes], create: Bool, layer: Int,
                                  problem: (String) -> LayerProblem) throws -> TreeNode? {
        var stack = [root]
        var pending = components[...]
        var hops = 0
        while let component = pending.popFirst() {
            if component.isEmpty || component == [UInt8(ascii: ".")] { continue }
            if component == Array("..".utf8) {
                if stack.count > 1 { stack.removeLast() }
                continue
            }
            let directory = stack[stack.count - 1]
            guard let child = directory.children[component] else {
                guard create else { return nil }
                let made = TreeNode(kind: .directory, metadata: .implicitDirectory, layer: layer)
                directory.children[component] = made
                stack.append(made)
                continue
            }
            switch child.kind {
            case .directory:
                stack.append(child)
            case .symlink(let target):
                hops += 1
                if hops > Self.maxSymlinkHops { throw problem("too many levels of symbolic links in its parent path") }
                if target.first == UInt8(ascii: "/") { stack = [root] }
                pending = (Self.components(target) + pending)[...]
            default:
                if !create { return nil }
                throw problem("its parent \(String(decoding: component, as: UTF8.self)) is not a directory")
            }
        }
        if create { for directory in stack { directory.lastLayer = max(directory.lastLayer, layer) } }
        return stack[stack.count - 1]
    }

    /// An opaque directory: drop what lower layers wrote below it. A loop,
    /// not recursion: a hostile image may nest thousands of directories.
    private func hideLower(in directory: TreeNode, layer: Int) {
        var pending = [directory]
        while let current = pending.popLast() {
            for (name, child) in current.children {
                if child.lastLayer < layer {
                    current.children[name] = nil
                } else if child.isDirectory {
                    pending.append(child)
                }
            }
        }
    }

    static func components(_ path: NameBytes) -> [NameBytes] {
        path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            .map(NameBytes.init)
            .filter { $0 != [UInt8(ascii: ".")] }
    }

    /// Every node below the root in depth-first order, siblings sorted by
    /// their bytes: a deterministic order for the payload. An explicit
    /// stack, for the same reason as `hideLower`.
    func walk(_ visit: (NameBytes, TreeNode) throws -> Void) rethrows {
        var pending = Self.sortedChildren(of: root, prefix: [])
        while let (path, node) = pending.popLast() {
            try visit(path, node)
            if node.isDirectory { pending += Self.sortedChildren(of: node, prefix: path) }
        }
    }

    /// Children with their paths, last name first (the stack pops the first).
    private static func sortedChildren(of directory: TreeNode, prefix: NameBytes) -> [(NameBytes, TreeNode)] {
        directory.children.sorted { $1.key.lexicographicallyPrecedes($0.key) }.map { name, child in
            (prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name, child)
        }
    }
}
