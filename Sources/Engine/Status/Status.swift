import DotslashBinfmt
import DotslashDigest
import DotslashManifest
import DotslashStore
import Foundation
import RunnerFormat

/// `dotslash status`: every binfmt_misc entry, ours and foreign, with its
/// language, state, runner, whether the rootfs is present, and drift from
/// the manifests (design section 5). Always exits 0.
public enum Status {
    struct Row {
        var name: String
        var state: String
        var language: String?
        var description: String?
        var match: String
        var interpreter: String
        var flags: String
        var owned: Bool
        var runnerPresent: Bool?
        var rootfsPath: String?
        var rootfsPresent: Bool?
        var drift: String
        var changes: [FieldChange] = []
        var conflict: String?
    }

    public static func run(_ context: EngineContext, json: Bool) -> Int32 {
        let output = context.output
        let kernel: KernelView
        do {
            kernel = try KernelView.read(context)
        } catch {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(error)\n")
            return 0
        }
        var manifestNote: String?
        var desired: DesiredState?
        if let manifest = quietManifest(context) {
            do {
                desired = try DesiredState.make(manifest: manifest, context: context, pinImage: ImageSession(context: context).pinOffline)
            } catch {
                manifestNote = "drift unknown: \(error)"
            }
        } else {
            manifestNote = "the manifests have errors (see `dotslash validate`); drift is not shown"
        }
        let rows = makeRows(kernel: kernel, desired: desired, context: context)
        if json {
            output.out(jsonText(rows, kernel: kernel, context: context, note: manifestNote))
        } else {
            output.out(text(rows, kernel: kernel, context: context, note: manifestNote))
        }
        return 0
    }

    private static func quietManifest(_ context: EngineContext) -> Manifest? {
        let sources = context.manifestSources
        guard !sources.diagnostics.hasErrors else { return nil }
        return ManifestLoader(runnersDirectory: context.state.runnersDirectory).load(files: sources.files).manifest
    }

    static func makeRows(kernel: KernelView, desired: DesiredState?, context: EngineContext) -> [Row] {
        let languages = desired?.targets.map(\.name) ?? []
        var plan: Plan?
        if let desired {
            let unpinned = Set(desired.targets.filter { !$0.isPinned }.map(\.name))
            plan = try? Planning.plan(desired: desired, kernel: kernel, frozen: unpinned)
        }
        var rows: [Row] = []
        for entry in kernel.entries {
            var row = Row(
                name: entry.name, state: entry.enabled ? "enabled" : "disabled", language: nil, description: nil,
                match: "\(entry.match)", interpreter: entry.interpreter, flags: entry.flags.letters, owned: entry.isOwned,
                drift: entry.isOwned ? "unknown" : "foreign")
            if entry.isOwned {
                row.language = EntryOwnership.language(of: entry, languages: languages) ?? EntryOwnership.guessLanguage(of: entry)
                describeRunner(entry.interpreter, into: &row, context: context)
            }
            if let language = row.language { row.description = desired?.target(named: language)?.language.description }
            if let plan, let action = plan.actions.first(where: { $0.name == entry.name }) {
                switch action {
                case .unchanged: row.drift = "in sync"
                case .update(_, _, let changes):
                    row.drift = "differs: " + changes.map(\.field.rawValue).joined(separator: ", ")
                    row.changes = changes
                case .remove: row.drift = "not in the manifests"
                case .add: break
                }
            } else if entry.isOwned, let language = row.language, desired?.target(named: language)?.isPinned == false {
                row.drift = "image tag not resolved yet"
            }
            if let conflict = plan?.conflicts.first(where: { $0.foreign.name == entry.name }) {
                row.conflict = "shadowed by \(conflict.entry)"
                row.drift = "foreign, shadowed by \(conflict.entry)"
            }
            rows.append(row)
        }
        for action in plan?.actions ?? [] {
            guard case .add(let entry) = action else { continue }
            var row = Row(
                name: entry.name, state: "absent", language: EntryOwnership.language(of: entry, languages: languages),
                description: nil, match: "\(entry.match)", interpreter: entry.interpreter, flags: entry.flags.letters,
                owned: true, drift: "missing: apply adds it")
            describeRunner(entry.interpreter, into: &row, context: context)
            rows.append(row)
        }
        return rows
    }

    /// Whether the runner exists and the rootfs it names is in the store.
    private static func describeRunner(_ path: String, into row: inout Row, context: EngineContext) {
        guard FileManager.default.fileExists(atPath: path) else {
            row.runnerPresent = false
            return
        }
        row.runnerPresent = true
        guard let trailer = try? RunnerTrailer.read(path: path) else { return }
        let tree = "\(trailer.settings.stateDirectory)/rootfs/\(trailer.settings.rootfsKey)"
        row.rootfsPath = tree
        row.rootfsPresent = FileManager.default.fileExists(atPath: tree)
    }

    static func text(_ rows: [Row], kernel: KernelView, context: EngineContext, note: String?) -> String {
        var text = ""
        if !kernel.mounted {
            text += "binfmt_misc is not mounted at \(context.binfmtDirectory).\n"
        }
        text += "binfmt_misc at \(context.binfmtDirectory): \(kernel.entries.count) \(kernel.entries.count == 1 ? "entry" : "entries") (\(kernel.entries.filter(\.isOwned).count) dotslash, \(kernel.entries.filter { !$0.isOwned }.count) foreign); store \(context.state.root)\n"
        if let note { text += "note: \(note)\n" }
        guard !rows.isEmpty else { return text + "No entries.\n" }
        let header = ["ENTRY", "STATE", "LANGUAGE", "MATCH", "RUNNER", "ROOTFS", "MANIFEST"]
        let table = rows.map { row -> [String] in
            let runner: String
            if row.owned {
                let file = row.interpreter.split(separator: "/").last.map(String.init) ?? row.interpreter
                runner = row.runnerPresent == false ? "\(file) (missing)" : file
            } else {
                runner = row.interpreter
            }
            let rootfs: String
            switch row.rootfsPresent {
            case .some(true): rootfs = "present"
            case .some(false): rootfs = "missing"
            case .none: rootfs = row.owned ? "unknown" : "-"
            }
            return [row.name, row.state, row.language ?? "-", row.match, runner, rootfs, row.drift]
        }
        var widths = header.map(\.count)
        for line in table {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        text += "\n" + Output.paint(format(header), .bold, context.output.colorOut) + "\n"
        for line in table { text += format(line) + "\n" }
        return text
    }

    static func jsonText(_ rows: [Row], kernel: KernelView, context: EngineContext, note: String?) -> String {
        let entries: [[String: Any]] = rows.map { row in
            var object: [String: Any] = [
                "name": row.name, "state": row.state, "owned": row.owned, "match": row.match,
                "interpreter": row.interpreter, "flags": row.flags, "drift": row.drift,
                "language": row.language ?? NSNull(), "description": row.description ?? NSNull(),
                "runnerPresent": row.runnerPresent.map { $0 as Any } ?? NSNull(),
                "rootfs": row.rootfsPath ?? NSNull(),
                "rootfsPresent": row.rootfsPresent.map { $0 as Any } ?? NSNull(),
                "changes": row.changes.map { change -> [String: Any] in
                    ["field": change.field.rawValue, "old": change.old.map { $0 as Any } ?? NSNull(),
                     "new": change.new.map { $0 as Any } ?? NSNull()]
                },
            ]
            if let conflict = row.conflict { object["conflict"] = conflict }
            return object
        }
        let object: [String: Any] = [
            "formatVersion": 1,
            "binfmtDirectory": context.binfmtDirectory,
            "binfmtMounted": kernel.mounted,
            "stateDirectory": context.state.root,
            "note": note ?? NSNull(),
            "entries": entries,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
