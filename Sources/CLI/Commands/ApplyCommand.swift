import DotslashEngine

enum ApplyCommand {
    static let spec = CommandSpec(
        name: "apply",
        abstract: "Fetch, verify, extract, build runners, then reconcile the binfmt_misc table.",
        discussion: "Validates every manifest; downloads and verifies each rootfs; extracts it into the store; builds one runner per language; then adds, updates (without a gap) and removes dotslash's own binfmt_misc entries, never anyone else's, and writes /etc/binfmt.d/dotslash.conf so systemd-binfmt restores them at boot. A language whose artifacts fail keeps its current registration; the others proceed and apply exits 1. Needs root (see 'dotslash shell' for a private table without root).",
        options: [
            CommonOptions.config, CommonOptions.stateDir, CommonOptions.binfmtDir,
            .flag("dry-run", help: "Show the plan; fetch, build and register nothing."),
            .flag("no-persist", help: "Do not write dotslash.conf in /etc/binfmt.d (or DOTSLASH_BINFMT_D)."),
            .flag("update", help: "Resolve every unpinned image tag again and show old → new digests."),
        ],
        positionals: [])

    static func run(_ context: CommandContext) throws -> Int32 {
        let options = Apply.Options(
            dryRun: context.arguments.flag("dry-run"), persist: !context.arguments.flag("no-persist"),
            update: context.arguments.flag("update"))
        return Apply.run(try context.engine(), options: options)
    }
}
