import DotslashBinfmt
import DotslashStore
import Foundation

/// `dotslash diff`: what `apply` would change, from the manifests, the store
/// and the kernel table only: no network, no writes (design section 5).
public enum Diff {
    public enum ExitCode {
        public static let inSync: Int32 = 0
        public static let changesPending: Int32 = 1
        public static let error: Int32 = 2
    }

    public static func run(_ context: EngineContext, json: Bool) -> Int32 {
        guard let manifest = ManifestStage.load(context) else { return ExitCode.error }
        do {
            let desired = try DesiredState.make(manifest: manifest, context: context, pinImage: ImageSession(context: context).pinOffline)
            let kernel = try KernelView.read(context)
            let unpinned = Set(desired.targets.filter { !$0.isPinned }.map(\.name))
            let plan = try Planning.plan(desired: desired, kernel: kernel, frozen: unpinned)
            let pending = PendingWork.list(desired, context: context)
            let inSync = !plan.hasChanges && pending.isEmpty
            if json {
                context.output.out(try jsonText(plan: plan, pending: pending, kernel: kernel, inSync: inSync))
            } else {
                context.output.out(text(plan: plan, pending: pending, desired: desired, kernel: kernel, context: context))
            }
            return inSync ? ExitCode.inSync : ExitCode.changesPending
        } catch {
            context.output.err("\(Output.paint("Error:", .red, context.output.colorErr)) \(error)\n")
            return ExitCode.error
        }
    }

    static func text(plan: Plan, pending: [PendingWork], desired: DesiredState, kernel: KernelView,
                     context: EngineContext) -> String {
        var text = ""
        if !kernel.mounted {
            text += "binfmt_misc is not mounted at \(context.binfmtDirectory); apply will mount it.\n\n"
        }
        if !plan.hasChanges && pending.isEmpty {
            let count = plan.count(of: .unchanged)
            return text + "No changes. The kernel's binfmt_misc table matches the manifests (\(count) \(count == 1 ? "entry" : "entries")).\n"
        }
        text += "dotslash apply would:\n\n"
        let renderer = PlanRenderer(color: context.output.colorOut)
        text += renderer.render(plan, languages: desired.targets.map(\.name), pending: pending.map(\.description))
        text += "Plan: \(PlanRenderer.summary(plan))"
        if !pending.isEmpty { text += "; \(pending.count) \(pending.count == 1 ? "language needs" : "languages need") work in the store" }
        return text + ".\n"
    }

    static func jsonText(plan: Plan, pending: [PendingWork], kernel: KernelView, inSync: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var object = try JSONSerialization.jsonObject(with: encoder.encode(plan)) as? [String: Any] else {
            throw EngineError(step: "writing JSON", message: "the plan did not encode as an object")
        }
        object["formatVersion"] = 1
        object["inSync"] = inSync
        object["binfmtMounted"] = kernel.mounted
        object["pending"] = pending.map { $0.json }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Work in the store that `apply` would do although the kernel may be in
/// sync: an image tag to resolve, a rootfs to fetch or extract, a runner to
/// build (a runner deleted from the store would be missing at the next boot).
struct PendingWork: CustomStringConvertible {
    var language: String
    var work: [String]
    var runner: String?

    var description: String { "\(language): \(work.joined(separator: ", "))" }

    var json: [String: Any] {
        ["language": language, "work": work, "runner": runner ?? NSNull()]
    }

    static func list(_ desired: DesiredState, context: EngineContext) -> [PendingWork] {
        let blobs = BlobStore(state: context.state)
        let runners = RunnerFiles(state: context.state)
        var result: [PendingWork] = []
        for target in desired.targets {
            guard let rootfs = target.rootfs, let id = target.runnerID else {
                result.append(PendingWork(language: target.name, work: ["resolve image tag (entries known after apply)"], runner: nil))
                continue
            }
            var work: [String] = []
            if !runners.contains("\(target.name)-\(id)") {
                if case .tarball = rootfs.source, (try? blobs.contains(rootfs.key)) != true {
                    work.append("fetch rootfs")
                }
                if !FileManager.default.fileExists(atPath: context.state.rootfsPath(rootfs.key)) {
                    work.append("extract rootfs")
                }
                work.append("build runner")
            }
            if !work.isEmpty { result.append(PendingWork(language: target.name, work: work, runner: target.runnerPath)) }
        }
        return result
    }
}
