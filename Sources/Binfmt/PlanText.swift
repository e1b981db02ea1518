extension Plan: CustomStringConvertible {
    /// A terraform-like listing without colour: `+` add, `~` update (with one
    /// line per changed field), `-` remove, `=` unchanged (only when asked),
    /// `!` conflict, then a summary line.
    public func text(includeUnchanged: Bool = false) -> String {
        var lines = [String]()
        for action in actions {
            switch action {
            case .add(let entry):
                lines.append("+ \(entry)")
            case .update(_, let desired, let changes):
                lines.append("~ \(desired.name)")
                lines += changes.map { "    \($0)" }
            case .remove(let entry):
                lines.append("- \(entry)")
            case .unchanged(let entry):
                if includeUnchanged { lines.append("= \(entry)") }
            }
        }
        lines += conflicts.map { "! conflict: \($0)" }
        lines.append(summaryLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `1 to add, 0 to update, 2 to remove, 3 unchanged, 1 conflict`.
    public var summaryLine: String {
        let conflictWord = conflicts.count == 1 ? "conflict" : "conflicts"
        return "\(count(of: .add)) to add, \(count(of: .update)) to update, \(count(of: .remove)) to remove, "
            + "\(count(of: .unchanged)) unchanged, \(conflicts.count) \(conflictWord)"
    }

    public var description: String { text() }
}
