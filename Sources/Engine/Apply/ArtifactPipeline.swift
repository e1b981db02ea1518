import DotslashManifest
import DotslashStore

/// The store half of apply (design section 5): with the store prepared and
/// locked, pin every language, then fetch all, extract all, build all
/// runners. A language that fails at one step is left out of the later ones.
struct ArtifactPipeline {
    enum Step: String, CaseIterable {
        case fetch
        case extract
        case buildRunner = "build runner"
    }

    struct Failure {
        var language: String
        var step: Step
        var error: any Error
    }

    let context: EngineContext
    let desired: DesiredState
    let builder: ArtifactBuilder
    /// Held until the pipeline is released: the kernel step of apply runs under it too.
    private let lock: StoreLock

    /// Prepares and locks the store, then pins the manifest's languages
    /// (image tags through the registry when the lock does not say).
    init(context: EngineContext, manifest: Manifest, update: Bool = false) throws {
        self.context = context
        do {
            try context.state.prepare()
        } catch {
            throw EngineError(step: "preparing the store at \(context.state.root)", message: "\(error)")
        }
        lock = try StoreLock(state: context.state) { context.output.err("\($0)\n") }
        let images = ImageSession(context: context)
        desired = try DesiredState.make(manifest: manifest, context: context,
                                        pinImage: { try images.pinOnline($0, $1, update: update) })
        builder = ArtifactBuilder(context: context, images: images)
    }

    /// Runs `steps` for every language in that order; prints and returns the failures.
    func run(_ steps: [Step] = Step.allCases) -> [Failure] {
        var failures: [Failure] = []
        for step in steps {
            for target in desired.targets where !failures.contains(where: { $0.language == target.name }) {
                do {
                    switch step {
                    case .fetch: try builder.fetch(target)
                    case .extract: try builder.extract(target)
                    case .buildRunner: try builder.buildRunner(target)
                    }
                } catch {
                    failures.append(Failure(language: target.name, step: step, error: error))
                    let output = context.output
                    output.err("\(Output.paint("\(target.name): \(step.rawValue) failed:", .red, output.colorErr)) \(error)\n")
                }
            }
        }
        return failures
    }
}
