import CArchive
import DotslashDigest
import DotslashStore
#if canImport(Glibc)
import Glibc
#endif

/// The payload tarball of an image: its layers flattened into one tree.
public struct FlattenedPayload: Sendable, Equatable {
    /// `blobs/sha256/<hex>` of the payload.
    public var path: String
    public var digest: Digest
    /// Entries in the payload and bytes of file content.
    public var entries: Int
    public var bytes: Int64
    /// Members left out, each with the reason (device nodes, sockets).
    public var skipped: [String]
}

/// Flattens verified layer blobs into one deterministic, zstd-compressed
/// pax tarball, published as a blob. Two passes over the layers: the first
/// reads only headers and builds the final tree in memory (whiteouts and
/// replacements applied, nothing written to disk), the second copies the
/// content of the files that survive. The tarball then goes through the
/// store's extraction like any rootfs tarball, with the same safety rules.
struct ImageFlattener {
    let state: StateDirectory
    let reference: String
    let progress: ProgressReporter

    /// One layer: the blob's path, and its digest for messages.
    struct Layer {
        var path: String
        var digest: Digest
    }

    func flatten(_ layers: [Layer]) throws -> FlattenedPayload {
        progress.start("flatten \(layers.count) layer\(layers.count == 1 ? "" : "s")", total: nil)
        let started = ContinuousClock.now
        let tree = try buildTree(layers)
        let blob = try TemporaryBlob(state: state, label: "image-payload")
        let writer = try PayloadWriter(blob: blob)
        let (entries, bytes) = try write(tree, layers: layers, into: writer)
        do {
            try writer.finish()
        } catch {
            throw ImageError(.layer, reference: reference, step: "writing the payload", detail: "\(error)",
                             hint: "check free space under the state directory")
        }
        let (digest, path) = try blob.publish(expected: nil) { _ in ArchiveInputError(message: "unreachable") }
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        progress.finish("\(entries) entries, \(ByteFormat.size(bytes)) in \(ByteFormat.oneDecimal(seconds))s")
        return FlattenedPayload(path: path, digest: digest, entries: entries, bytes: bytes,
                                skipped: tree.skipped.map(\.description))
    }

    private func what(_ index: Int, of layers: [Layer]) -> String {
        "layer \(index + 1) of \(layers.count) (sha256:\(layers[index].digest.hex.prefix(12)))"
    }

    /// Pass one: headers only.
    private func buildTree(_ layers: [Layer]) throws -> LayerTree {
        let tree = LayerTree()
        var problems: [LayerProblem] = []
        for (index, layer) in layers.enumerated() {
            let input = try ArchiveInput(path: layer.path, what: what(index, of: layers), reference: reference)
            var member = 0
            do {
                while let entry = try input.next() {
                    do {
                        try tree.apply(Self.member(entry), layer: index, index: member)
                    } catch let problem as LayerProblem {
                        problems.append(problem)
                    }
                    member += 1
                }
            } catch let error as ArchiveInputError {
                throw ImageError(.layer, reference: reference, step: "reading \(what(index, of: layers))", detail: error.message,
                                 hint: "the layer is not a tar archive (plain, gzip or zstd) or is damaged")
            }
        }
        guard problems.isEmpty else {
            let shown = problems.prefix(20).map { "\n  \($0)" }.joined()
            let more = problems.count > 20 ? "\n  ... and \(problems.count - 20) more" : ""
            throw ImageError(.layer, reference: reference, step: "applying the layers",
                             detail: "refused: \(problems.count) member(s) would leave the image's tree or cannot be applied; nothing was extracted\(shown)\(more)",
                             hint: "the image is hostile or broken")
        }
        return tree
    }

    /// Pass two: directories, symlinks and FIFOs first (in tree order, from
    /// memory), then each regular file's content in layer order, followed
    /// by the hard links that share it.
    private func write(_ tree: LayerTree, layers: [Layer], into writer: PayloadWriter) throws -> (Int, Int64) {
        var others: [(NameBytes, TreeNode)] = []
        var groups: [ContentID: [(NameBytes, TreeNode)]] = [:]
        tree.walk { path, node in
            if case .regular(let content, _) = node.kind {
                groups[content, default: []].append((path, node))
            } else {
                others.append((path, node))
            }
        }
        do {
            for (path, node) in others { try writer.header(path: path, kind: node.kind, metadata: node.metadata) }
        } catch {
            throw ImageError(.layer, reference: reference, step: "writing the payload", detail: "\(error)")
        }
        var entries = others.count
        var bytes: Int64 = 0
        let byLayer = Dictionary(grouping: groups.keys, by: \.layer)
        for index in layers.indices {
            guard var wanted = byLayer[index].map(Set.init), !wanted.isEmpty else { continue }
            let input = try ArchiveInput(path: layers[index].path, what: what(index, of: layers), reference: reference)
            var member = 0
            do {
                while !wanted.isEmpty, try input.next() != nil {
                    let content = ContentID(layer: index, member: member)
                    member += 1
                    guard wanted.remove(content) != nil, let group = groups[content], let (path, node) = group.first else { continue }
                    guard case .regular(_, let size) = node.kind else { continue }
                    try writer.header(path: path, kind: node.kind, metadata: node.metadata)
                    let copied = try input.readData { try writer.data($0) }
                    guard copied == size else {
                        throw ArchiveInputError(message: "member \(String(decoding: path, as: UTF8.self)) has \(copied) bytes, its header says \(size)")
                    }
                    for (link, linked) in group.dropFirst() {
                        try writer.header(path: link, kind: linked.kind, metadata: linked.metadata, hardlink: path)
                    }
                    entries += group.count
                    bytes += size
                }
            } catch let error as ImageError {
                throw error
            } catch {
                throw ImageError(.layer, reference: reference, step: "copying files of \(what(index, of: layers))", detail: "\(error)")
            }
            if !wanted.isEmpty {
                throw ImageError(.layer, reference: reference, step: "copying files of \(what(index, of: layers))",
                                 detail: "the layer ended before \(wanted.count) of its files were read; it changed since it was verified")
            }
        }
        return (entries, bytes)
    }

    /// The parts of a header the tree needs.
    static func member(_ entry: OpaquePointer) -> LayerMember {
        func bytes(_ pointer: UnsafePointer<CChar>?) -> NameBytes? {
            pointer.map { NameBytes(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlen($0))) }
        }
        let name = bytes(archive_entry_pathname(entry)) ?? bytes(archive_entry_pathname_utf8(entry)) ?? []
        let metadata = NodeMetadata(mode: UInt32(archive_entry_perm(entry)), uid: archive_entry_uid(entry),
                                    gid: archive_entry_gid(entry), mtime: Int64(archive_entry_mtime(entry)))
        let kind: LayerMember.Kind
        if let target = bytes(archive_entry_hardlink(entry)) {
            kind = .hardlink(target)
        } else {
            switch mode_t(archive_entry_filetype(entry)) & Glibc.S_IFMT {
            case Glibc.S_IFDIR: kind = .directory
            case Glibc.S_IFLNK: kind = .symlink(bytes(archive_entry_symlink(entry)) ?? [])
            case Glibc.S_IFIFO: kind = .fifo
            case Glibc.S_IFCHR: kind = .unsupported("character device")
            case Glibc.S_IFBLK: kind = .unsupported("block device")
            case Glibc.S_IFSOCK: kind = .unsupported("socket")
            default: kind = .regular(size: max(0, archive_entry_size(entry)))
            }
        }
        return LayerMember(name: name, kind: kind, metadata: metadata)
    }
}
