/// What `apply` would do to the kernel table: one action per owned entry
/// (desired or current), plus the foreign entries that claim the same files.
/// Built only by `Plan.make`; actions and conflicts are sorted by name.
public struct Plan: Sendable, Hashable {
    public internal(set) var actions: [PlanAction]
    public internal(set) var conflicts: [BinfmtConflict]

    /// True when applying would change the kernel table.
    public var hasChanges: Bool { actions.contains { $0.kind != .unchanged } }

    public func count(of kind: PlanAction.Kind) -> Int {
        actions.count { $0.kind == kind }
    }

    public func actions(of kind: PlanAction.Kind) -> [PlanAction] {
        actions.filter { $0.kind == kind }
    }

    /// The same plan without the actions `drop` selects, e.g. those of a
    /// language whose runner failed to build (its registration then stays
    /// as it is). Conflicts of dropped entries go too.
    public func excluding(_ drop: (PlanAction) -> Bool) -> Plan {
        let kept = actions.filter { !drop($0) }
        let names = Set(kept.map(\.name))
        return Plan(actions: kept, conflicts: conflicts.filter { names.contains($0.entry) })
    }
}

/// One step of a plan, for one owned entry.
public enum PlanAction: Sendable, Hashable {
    /// Desired and absent: register it.
    case add(BinfmtEntry)
    /// Present but different (or disabled): replace it without a gap.
    case update(current: BinfmtEntry, desired: BinfmtEntry, changes: [FieldChange])
    /// Owned, present and no longer desired: remove it.
    case remove(BinfmtEntry)
    /// Present exactly as desired.
    case unchanged(BinfmtEntry)

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case add, update, remove, unchanged
    }

    public var kind: Kind {
        switch self {
        case .add: .add
        case .update: .update
        case .remove: .remove
        case .unchanged: .unchanged
        }
    }

    public var name: String {
        switch self {
        case .add(let entry), .remove(let entry), .unchanged(let entry): entry.name
        case .update(let current, _, _): current.name
        }
    }

    /// The entry as the kernel shows it now (nil for add).
    public var current: BinfmtEntry? {
        switch self {
        case .add: nil
        case .update(let current, _, _): current
        case .remove(let entry), .unchanged(let entry): entry
        }
    }

    /// The entry as it will be (nil for remove).
    public var desired: BinfmtEntry? {
        switch self {
        case .add(let entry), .unchanged(let entry): entry
        case .update(_, let desired, _): desired
        case .remove: nil
        }
    }

    /// The changed fields of an update, empty otherwise.
    public var changes: [FieldChange] {
        if case .update(_, _, let changes) = self { return changes }
        return []
    }
}

/// One field that differs between the current and the desired entry.
/// Values are shown as the kernel shows them; nil where the field is absent
/// (for example the mask of an unmasked rule).
public struct FieldChange: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Field: String, Sendable, Hashable, Codable, CaseIterable {
        case type, `extension`, offset, magic, mask, interpreter, flags, state
    }

    public var field: Field
    public var old: String?
    public var new: String?

    public init(field: Field, old: String?, new: String?) {
        self.field = field
        self.old = old
        self.new = new
    }

    /// `interpreter: /old -> /new`, with `(none)` for an absent value.
    public var description: String {
        "\(field.rawValue): \(Self.show(old)) -> \(Self.show(new))"
    }

    static func show(_ value: String?) -> String {
        guard let value else { return "(none)" }
        return value.isEmpty ? "(empty)" : value
    }
}

/// A foreign entry that claims files one of our desired entries claims.
/// dotslash never changes it; the kernel lets the newest registration win,
/// so ours shadows it once registered or replaced.
public struct BinfmtConflict: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable, Codable {
        case sameExtension = "same-extension"
        case overlappingMagic = "overlapping-magic"
    }

    /// Our desired entry's name.
    public var entry: String
    public var foreign: BinfmtEntry
    public var reason: Reason

    public init(entry: String, foreign: BinfmtEntry, reason: Reason) {
        self.entry = entry
        self.foreign = foreign
        self.reason = reason
    }

    public var description: String {
        let state = foreign.enabled ? "" : " (disabled)"
        switch reason {
        case .sameExtension:
            return "\(entry) claims the same \(foreign.match) as foreign entry \(foreign.name)\(state)"
        case .overlappingMagic:
            return "\(entry) has magic overlapping foreign entry \(foreign.name)\(state): \(foreign.match)"
        }
    }
}
