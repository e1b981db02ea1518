import DotslashBinfmt
import DotslashStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `dotslash apply` (design section 5): validate everything; fetch and
/// verify; extract; build runners; then change the kernel; then persist.
/// A language whose artifacts fail keeps its current registration and the
/// others proceed.
public enum Apply {
    public struct Options: Sendable {
        public var dryRun = false
        public var persist = true
        public var update = false

        public init(dryRun: Bool = false, persist: Bool = true, update: Bool = false) {
            self.dryRun = dryRun
            self.persist = persist
            self.update = update
        }
    }

    public static func run(_ context: EngineContext, options: Options) -> Int32 {
        let output = context.output
        if let refusal = Privilege.refusal(for: "apply") {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(refusal)\n")
            return 1
        }
        do {
            return try run(context, options: options, output: output)
        } catch {
            output.err("\(Output.paint("Error:", .red, output.colorErr)) \(error)\n")
            return 1
        }
    }

    private static func run(_ context: EngineContext, options: Options, output: Output) throws -> Int32 {
        guard let manifest = ManifestStage.load(context) else { return 1 }
        if options.dryRun {
            let desired = try DesiredState.make(manifest: manifest, context: context, pinImage: ImageSession(context: context).pinOffline)
            let kernel = try KernelView.read(context)
            let frozen = Set(desired.targets.filter { !$0.isPinned }.map(\.name))
            let plan = try Planning.plan(desired: desired, kernel: kernel, frozen: frozen)
            output.out(Diff.text(plan: plan, pending: PendingWork.list(desired, context: context), desired: desired,
                                 kernel: kernel, context: context))
            output.out("Dry run: nothing was fetched, built or registered.\n")
            return 0
        }

        let pipeline = try ArtifactPipeline(context: context, manifest: manifest, update: options.update)
        let desired = pipeline.desired
        let failures = pipeline.run()

        let table = BinfmtTable(directory: context.binfmtDirectory)
        do {
            if try table.mountIfNeeded() { output.err("mounted binfmt_misc at \(context.binfmtDirectory)\n") }
        } catch {
            throw EngineError(step: "mounting binfmt_misc at \(context.binfmtDirectory)", message: "\(error)")
        }
        let kernel = try KernelView.read(context)
        let frozen = Set(failures.map(\.language)).union(desired.targets.filter { !$0.isPinned }.map(\.name))
        let plan = try Planning.plan(desired: desired, kernel: kernel, frozen: frozen)
        let report: ApplyReport
        do {
            report = try Reconciler.apply(plan, to: table)
        } catch {
            throw EngineError(step: "changing the binfmt_misc table", message: "\(error)")
        }
        printReport(report, plan: plan, desired: desired, output: output)
        try persistIfAsked(context, options: options, table: table)

        let kernelFailures = report.failures.count
        if failures.isEmpty && kernelFailures == 0 {
            output.out("Apply complete: \(report.count(.add)) added, \(report.count(.update)) changed, \(report.count(.remove)) removed, \(plan.count(of: .unchanged)) unchanged.\n")
            return 0
        }
        output.out("Apply finished with errors:\n")
        for failure in failures {
            output.out("  \(failure.language): \(failure.step.rawValue) failed; its current registration was left as it is\n")
        }
        for outcome in report.failures {
            output.out("  \(outcome.name): \(outcome.action.rawValue) failed: \(outcome.error.map { "\($0)" } ?? "")\n")
        }
        return 1
    }

    private static func printReport(_ report: ApplyReport, plan: Plan, desired: DesiredState, output: Output) {
        let languages = desired.targets.map(\.name)
        for action in plan.actions where action.kind != .unchanged {
            guard let outcome = report.outcomes.first(where: { $0.name == action.name }), outcome.succeeded else { continue }
            let entry = action.desired ?? action.current
            let language = entry.flatMap { EntryOwnership.language(of: $0, languages: languages) }.map { " (\($0))" } ?? ""
            switch action.kind {
            case .add: output.out(Output.paint("+ registered \(action.name)", .green, output.colorOut) + language + "\n")
            case .update: output.out(Output.paint("~ updated \(action.name)", .yellow, output.colorOut) + language + "\n")
            case .remove: output.out(Output.paint("- removed \(action.name)", .red, output.colorOut) + language + "\n")
            case .unchanged: break
            }
        }
        for conflict in plan.conflicts {
            output.err("warning: \(conflict.entry) shadows the foreign entry \(conflict.foreign.name) (\(conflict.foreign.match)); the foreign entry was left alone\n")
        }
    }

    /// Design section 3: after an apply as root, `dotslash.conf` lists every
    /// owned entry so systemd-binfmt restores them at boot. Inside a user
    /// namespace the table is private to it: persist only when
    /// DOTSLASH_BINFMT_D says where.
    private static func persistIfAsked(_ context: EngineContext, options: Options, table: BinfmtTable) throws {
        guard options.persist else { return }
        guard context.persistDirectoryIsExplicit || Privilege.inInitialUserNamespace else {
            context.output.err("not writing \(context.persistDirectory)/dotslash.conf: this table belongs to a user namespace (set DOTSLASH_BINFMT_D to write it anyway)\n")
            return
        }
        do {
            let owned = try table.entries().filter(\.isOwned)
            let outcome = try BinfmtPersistence.write(owned, to: context.persistDirectory)
            if outcome.changed {
                context.output.err("wrote \(outcome.path) (\(owned.count) \(owned.count == 1 ? "entry" : "entries"))\n")
            }
        } catch {
            throw EngineError(step: "persisting to \(context.persistDirectory)", message: "\(error)",
                              hint: "use --no-persist to skip it")
        }
    }
}

extension ApplyReport {
    func count(_ kind: PlanAction.Kind) -> Int {
        outcomes.filter { $0.action == kind && $0.succeeded }.count
    }
}
