#if canImport(Glibc)
import Glibc
#endif

/// Carries out a plan on the kernel table (design section 3). Only owned
/// entries are written. Adds run first, then updates, then removes, each in
/// name order, so a file type that moves between entries always has a handler.
public enum Reconciler {
    /// Applies `plan`. Throws before writing anything when an action names a
    /// foreign entry or a desired entry can't be registered; otherwise runs
    /// every action, continuing past failures, and reports each outcome.
    public static func apply(_ plan: Plan, to table: BinfmtTable) throws -> ApplyReport {
        for action in plan.actions {
            guard BinfmtNaming.isOwned(action.name) else { throw BinfmtError.notOwned(name: action.name) }
            if let desired = action.desired { try RegisterString.preflight(desired) }
        }
        var outcomes = [ApplyOutcome]()
        for kind in [PlanAction.Kind.add, .update, .remove] {
            for action in plan.actions(of: kind) {
                var run = ActionRun(table: table, action: action)
                run.perform()
                outcomes.append(run.outcome)
            }
        }
        return ApplyReport(outcomes: outcomes)
    }
}

/// One action's steps, recording each write as it takes effect.
private struct ActionRun {
    let table: BinfmtTable
    let action: PlanAction
    var outcome: ApplyOutcome

    init(table: BinfmtTable, action: PlanAction) {
        self.table = table
        self.action = action
        outcome = ApplyOutcome(action: action.kind, name: action.name, done: [], error: nil, remains: nil)
    }

    mutating func perform() {
        do {
            switch action {
            case .add(let entry):
                try register(entry)
                try verify(entry)
            case .update(_, let desired, let changes):
                if changes.map(\.field) == [.state] {
                    try step(desired.enabled ? .enable : .disable, desired.name)
                } else {
                    try replace(with: desired)
                }
                try verify(desired)
            case .remove(let entry):
                try step(.remove, entry.name, ignoringMissing: true)
            case .unchanged:
                break
            }
        } catch let error as BinfmtError {
            outcome.error = error
        } catch {
            outcome.error = .invalidEntry(name: action.name, reason: "\(error)")
        }
    }

    /// The gapless update: register the replacement as `<name>.next` (newest
    /// wins in the kernel, so it serves at once), remove the old entry,
    /// register the real name (now newest), remove the temporary one. Some
    /// entry serves the files at every moment.
    private mutating func replace(with desired: BinfmtEntry) throws {
        let name = desired.name
        let temporary = BinfmtNaming.temporaryName(for: name)
        var twin = desired
        twin.name = temporary

        outcome.remains = "the old \(name) still serves"
        if table.contains(temporary) {
            // A leftover of an interrupted apply; the old entry still serves.
            try step(.remove, temporary, ignoringMissing: true)
        }
        try register(twin, keepDisabled: false)
        do {
            try step(.remove, name)
        } catch {
            do {
                try step(.remove, temporary)
            } catch {
                outcome.remains = "both \(name) (old) and \(temporary) (new, serving) are registered; the next apply cleans up"
            }
            throw error
        }
        do {
            try register(desired)
        } catch {
            outcome.remains = "\(temporary) serves the new entry; \(name) is absent until the next apply"
            throw error
        }
        do {
            try step(.remove, temporary)
        } catch {
            outcome.remains = "\(name) serves; the leftover \(temporary) goes with the next apply"
            throw error
        }
        outcome.remains = nil
    }

    /// Registers and, when the entry is meant to be disabled, disables it.
    private mutating func register(_ entry: BinfmtEntry, keepDisabled: Bool = true) throws {
        try table.register(entry)
        outcome.done.append(ApplyStep(operation: .register, entry: entry.name))
        if keepDisabled && !entry.enabled { try step(.disable, entry.name) }
    }

    private mutating func step(_ operation: ApplyStep.Operation, _ name: String,
                               ignoringMissing: Bool = false) throws {
        do {
            switch operation {
            case .remove: try table.remove(name)
            case .enable: try table.enable(name)
            case .disable: try table.disable(name)
            case .register, .verify: return
            }
        } catch BinfmtError.system(_, _, let code) where ignoringMissing && code == ENOENT {
            return
        }
        outcome.done.append(ApplyStep(operation: operation, entry: name))
    }

    /// Reads the entry back and compares it with what was planned.
    private mutating func verify(_ desired: BinfmtEntry) throws {
        let expected = desired.asRegistered
        let actual = try table.entry(named: desired.name)
        guard actual == expected else {
            throw BinfmtError.verificationFailed(name: desired.name, expected: expected.description,
                                                 actual: actual?.description ?? "absent")
        }
        outcome.done.append(ApplyStep(operation: .verify, entry: desired.name))
    }
}
