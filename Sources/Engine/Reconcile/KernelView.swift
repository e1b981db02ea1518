import DotslashBinfmt

/// The kernel's binfmt_misc table as read now (design section 3's current state).
struct KernelView {
    let table: BinfmtTable
    /// False when binfmt_misc is not mounted there: the table reads as empty
    /// and `apply` mounts it.
    let mounted: Bool
    let entries: [BinfmtEntry]

    static func read(_ context: EngineContext) throws -> KernelView {
        let table = BinfmtTable(directory: context.binfmtDirectory)
        guard table.isMounted else { return KernelView(table: table, mounted: false, entries: []) }
        do {
            return KernelView(table: table, mounted: true, entries: try table.entries())
        } catch {
            throw EngineError(step: "reading the binfmt_misc table at \(context.binfmtDirectory)", message: "\(error)")
        }
    }
}

/// Which language an owned entry belongs to: by its runner's file name
/// (`<language>-<16 hex>`) when it points into the store, else by its name.
enum EntryOwnership {
    static func language(of entry: BinfmtEntry, languages: [String]) -> String? {
        guard entry.isOwned else { return nil }
        let file = entry.interpreter.split(separator: "/").last.map(String.init) ?? ""
        if let dash = file.lastIndex(of: "-"), file.distance(from: dash, to: file.endIndex) == 17,
           file[file.index(after: dash)...].allSatisfy({ $0.isHexDigit }) {
            let language = String(file[..<dash])
            let name = entry.name.dropFirst("dotslash-".count)
            if name.hasPrefix(language + "-") { return language }
        }
        return BinfmtNaming.language(ofEntry: entry.name, among: languages)
    }

    /// The language of an owned entry that is neither desired nor known: the
    /// text between `dotslash-` and the last `-`.
    static func guessLanguage(of entry: BinfmtEntry) -> String {
        let rest = entry.name.dropFirst("dotslash-".count)
        return rest.lastIndex(of: "-").map { String(rest[..<$0]) } ?? String(rest)
    }
}

/// The plan of design section 3 for the languages that can be changed now:
/// languages in `frozen` (not pinned yet, or whose artifacts failed) keep
/// whatever the kernel holds for them.
enum Planning {
    static func plan(desired: DesiredState, kernel: KernelView, frozen: Set<String>) throws -> Plan {
        let names = desired.targets.map(\.name)
        let entries = desired.targets.filter { !frozen.contains($0.name) }.flatMap(\.entries)
        let plan: Plan
        do {
            plan = try Plan.make(desired: entries, current: kernel.entries)
        } catch {
            throw EngineError(step: "planning", message: "\(error)")
        }
        let byName = Dictionary(kernel.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return plan.excluding { action in
            guard let current = byName[action.name], let language = EntryOwnership.language(of: current, languages: names)
            else { return false }
            return frozen.contains(language)
        }
    }
}
