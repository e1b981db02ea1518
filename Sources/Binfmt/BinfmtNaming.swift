/// Entry names dotslash gives its registrations, and how it recognises its
/// own (design section 3): every owned name starts with `dotslash-`.
public enum BinfmtNaming {
    public static let ownedPrefix = "dotslash-"
    /// Appended to an entry's name while its replacement is registered
    /// (gapless update). The kernel allows dots inside names; only "." and
    /// ".." themselves are refused.
    public static let temporarySuffix = ".next"

    public static func isOwned(_ name: String) -> Bool {
        name.hasPrefix(ownedPrefix)
    }

    /// `dotslash-<language>-<ext>`.
    public static func extensionEntryName(language: String, extension ext: String) -> String {
        "\(ownedPrefix)\(language)-\(ext)"
    }

    /// `dotslash-<language>-magic<N>`, where `index` counts from 1 in manifest order.
    public static func magicEntryName(language: String, index: Int) -> String {
        "\(ownedPrefix)\(language)-magic\(index)"
    }

    /// `<name>.next`: where a replacement lives while `name` is swapped.
    public static func temporaryName(for name: String) -> String {
        name + temporarySuffix
    }

    /// Whether `name` is a leftover replacement of an interrupted update.
    public static func isTemporary(_ name: String) -> Bool {
        isOwned(name) && name.hasSuffix(temporarySuffix)
    }

    /// The language an owned entry belongs to, among `languages`: the
    /// longest name `L` such that the entry is `dotslash-L-...` (language
    /// names may themselves contain `-`). Nil for foreign entries and
    /// unknown languages.
    public static func language(ofEntry name: String, among languages: some Sequence<String>) -> String? {
        guard isOwned(name) else { return nil }
        let rest = name.dropFirst(ownedPrefix.count)
        return languages
            .filter { rest.hasPrefix($0 + "-") && rest.count > $0.count + 1 }
            .max { $0.count < $1.count }
    }
}

extension BinfmtEntry {
    /// The desired entry for one extension of a language: named
    /// `dotslash-<language>-<ext>`, enabled, with `F` added to `flags`.
    public static func owned(language: String, extension ext: String, interpreter: String,
                             flags: Flags = []) -> BinfmtEntry {
        BinfmtEntry(name: BinfmtNaming.extensionEntryName(language: language, extension: ext),
                    match: .extension(ext), interpreter: interpreter, flags: flags.union(.fixBinary))
    }

    /// The desired entry for a language's magic rule number `index` (from 1):
    /// named `dotslash-<language>-magic<index>`, enabled, with `F` added.
    public static func owned(language: String, magicIndex index: Int, offset: Int, bytes: [UInt8],
                             mask: [UInt8]?, interpreter: String, flags: Flags = []) -> BinfmtEntry {
        BinfmtEntry(name: BinfmtNaming.magicEntryName(language: language, index: index),
                    match: .magic(offset: offset, bytes: bytes, mask: mask),
                    interpreter: interpreter, flags: flags.union(.fixBinary))
    }
}
