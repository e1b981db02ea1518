import DotslashBinfmt
import Foundation

/// `dotslash diff` in the manner of `terraform plan`: `+` add, `~` change
/// with each field old → new, `-` remove, `!` conflict, then a summary.
struct PlanRenderer {
    let color: Bool

    func render(_ plan: Plan, languages: [String], pending: [String]) -> String {
        var text = ""
        for action in plan.actions {
            switch action {
            case .add(let entry):
                text += paint("  + \(entry.name)", .green) + language(entry, languages) + "\n"
                text += fields(entry, marker: "+")
            case .update(let current, let desired, let changes):
                text += paint("  ~ \(desired.name)", .yellow) + language(current, languages) + "\n"
                for change in changes {
                    text += "      \(pad(change.field.rawValue)) \(change.old ?? "(none)") → \(change.new ?? "(none)")\n"
                }
            case .remove(let entry):
                text += paint("  - \(entry.name)", .red) + language(entry, languages) + "\n"
                text += fields(entry, marker: "-")
            case .unchanged:
                continue
            }
            text += "\n"
        }
        for line in pending {
            text += paint("  * \(line)", .cyan) + "\n"
        }
        if !pending.isEmpty { text += "\n" }
        for conflict in plan.conflicts {
            text += paint("  ! ", .magenta) + "\(conflict); ours is newer and will shadow it; the foreign entry is left alone\n"
        }
        if !plan.conflicts.isEmpty { text += "\n" }
        return text
    }

    /// "Plan: 1 to add, 0 to change, 2 to remove, 3 unchanged."
    static func summary(_ plan: Plan) -> String {
        "\(plan.count(of: .add)) to add, \(plan.count(of: .update)) to change, \(plan.count(of: .remove)) to remove, \(plan.count(of: .unchanged)) unchanged"
    }

    private func fields(_ entry: BinfmtEntry, marker: String) -> String {
        var text = "      \(pad("match")) \(entry.match)\n"
        text += "      \(pad("interpreter")) \(entry.interpreter)\n"
        text += "      \(pad("flags")) \(entry.flags.letters)\n"
        if !entry.enabled { text += "      \(pad("state")) disabled\n" }
        return text
    }

    private func language(_ entry: BinfmtEntry, _ languages: [String]) -> String {
        guard let language = EntryOwnership.language(of: entry, languages: languages) else { return "" }
        return "  (\(language))"
    }

    private func pad(_ field: String) -> String {
        (field + ":").padding(toLength: 12, withPad: " ", startingAt: 0)
    }

    private func paint(_ text: String, _ style: Output.Style) -> String {
        Output.paint(text, style, color)
    }
}
