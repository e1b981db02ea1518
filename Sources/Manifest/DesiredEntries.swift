import DotslashBinfmt

/// The binfmt_misc entries a language asks for (design section 3): one per
/// extension, then one per magic rule, all pointing at `runnerPath`.
public enum DesiredEntries {
    public static func make(for language: Language, runnerPath: String) -> [BinfmtEntry] {
        var flags: BinfmtEntry.Flags = []
        if language.binfmt.preserveArgv0 { flags.insert(.preserveArgv0) }
        if language.binfmt.openBinary { flags.insert(.openBinary) }
        if language.binfmt.credentials { flags.insert(.credentials) }
        var entries = language.extensions.map {
            BinfmtEntry.owned(language: language.name, extension: $0, interpreter: runnerPath, flags: flags)
        }
        for (index, rule) in language.magic.enumerated() {
            entries.append(.owned(language: language.name, magicIndex: index + 1, offset: rule.offset, bytes: rule.bytes,
                                  mask: rule.mask, interpreter: runnerPath, flags: flags))
        }
        return entries
    }
}
