/// What `Reconciler.apply` did: one outcome per action that had work to do,
/// in the order it ran.
public struct ApplyReport: Sendable, Hashable {
    public var outcomes: [ApplyOutcome]

    public var succeeded: Bool { outcomes.allSatisfy(\.succeeded) }
    public var failures: [ApplyOutcome] { outcomes.filter { !$0.succeeded } }
    /// Whether any write reached the kernel.
    public var changedTable: Bool { outcomes.contains { !$0.done.isEmpty } }
}

/// The result of one plan action.
public struct ApplyOutcome: Sendable, Hashable {
    public var action: PlanAction.Kind
    public var name: String
    /// The writes that took effect, in order.
    public var done: [ApplyStep]
    /// Why the action did not complete; nil when it did.
    public var error: BinfmtError?
    /// After a failure: what the table holds for this entry now.
    public var remains: String?

    public var succeeded: Bool { error == nil }
}

/// One write to the kernel table (or the read-back that checks it).
public struct ApplyStep: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Operation: String, Sendable, Hashable, Codable {
        case register, remove, enable, disable, verify
    }

    public var operation: Operation
    public var entry: String

    public var description: String { "\(operation.rawValue) \(entry)" }
}
