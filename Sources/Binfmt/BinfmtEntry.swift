import DotslashDigest

/// One binfmt_misc entry: a rule that sends matching files to an
/// interpreter. The same type describes what dotslash wants registered
/// (desired state) and what the kernel shows (current state).
public struct BinfmtEntry: Sendable, Hashable {
    /// The entry's file name in the binfmt_misc directory.
    public var name: String
    public var match: Match
    /// The program the kernel starts, with the matched file as its argument.
    public var interpreter: String
    public var flags: Flags
    /// A disabled entry stays registered but matches nothing.
    public var enabled: Bool

    public init(name: String, match: Match, interpreter: String, flags: Flags = [.fixBinary],
                enabled: Bool = true) {
        self.name = name
        self.match = match
        self.interpreter = interpreter
        self.flags = flags
        self.enabled = enabled
    }

    /// dotslash writes only the entries it owns (design section 3).
    public var isOwned: Bool { BinfmtNaming.isOwned(name) }

    /// Which files an entry claims.
    public enum Match: Sendable, Hashable {
        /// Files whose name ends in `.ext` (the text after the last dot, compared
        /// case-sensitively). Stored without the dot.
        case `extension`(String)
        /// Files whose bytes at `offset` equal `bytes`, compared under `mask`
        /// (every bit significant when `mask` is nil).
        case magic(offset: Int, bytes: [UInt8], mask: [UInt8]?)

        /// The register string's type letter.
        public var typeLetter: Character {
            switch self {
            case .extension: "E"
            case .magic: "M"
            }
        }
    }

    /// The kernel's flags, shown and written in the order `POCF`.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// `P`: the interpreter receives the original argv[0] as well.
        public static let preserveArgv0 = Flags(rawValue: 1 << 0)
        /// `O`: the kernel opens the file and passes a descriptor.
        public static let openBinary = Flags(rawValue: 1 << 1)
        /// `C`: credentials come from the matched file (setuid scripts); implies `O`.
        public static let credentials = Flags(rawValue: 1 << 2)
        /// `F`: the kernel opens the interpreter at registration time.
        public static let fixBinary = Flags(rawValue: 1 << 3)

        /// Letters in the kernel's order.
        static let ordered: [(Character, Flags)] = [
            ("P", .preserveArgv0), ("O", .openBinary), ("C", .credentials), ("F", .fixBinary),
        ]

        /// The letters as the kernel prints them, for example `"OCF"`; empty for none.
        public var letters: String {
            String(Self.ordered.filter { contains($0.1) }.map(\.0))
        }

        /// Parses letters in the order `POCF`, each at most once (the form the
        /// kernel prints and dotslash writes); nil for anything else.
        public init?(letters: String) {
            var flags = Flags()
            var next = 0
            for letter in letters {
                guard let index = Self.ordered[next...].firstIndex(where: { $0.0 == letter }) else {
                    return nil
                }
                flags.insert(Self.ordered[index].1)
                next = index + 1
            }
            self = flags
        }

        /// What the kernel shows after registering these flags: `C` implies `O`.
        public var asRegistered: Flags {
            contains(.credentials) ? union(.openBinary) : self
        }
    }

    /// The entry as the kernel shows it once dotslash has registered it:
    /// `F` always (design section 3) and `O` whenever `C` is set.
    public var asRegistered: BinfmtEntry {
        var entry = self
        entry.flags = flags.union(.fixBinary).asRegistered
        return entry
    }
}

extension BinfmtEntry.Match: CustomStringConvertible {
    /// `extension .py`, `magic a70d0d0a at offset 0` or
    /// `magic 7f454c46 at offset 0, mask ffffffff`.
    public var description: String {
        switch self {
        case .extension(let ext):
            return "extension .\(ext)"
        case .magic(let offset, let bytes, let mask):
            var text = "magic \(Hex.encode(bytes)) at offset \(offset)"
            if let mask { text += ", mask \(Hex.encode(mask))" }
            return text
        }
    }
}

extension BinfmtEntry: CustomStringConvertible {
    /// One line: name, state, what it matches, interpreter and flags.
    public var description: String {
        let state = enabled ? "" : " (disabled)"
        let flagText = flags.isEmpty ? "" : " [\(flags.letters)]"
        return "\(name)\(state): \(match) -> \(interpreter)\(flagText)"
    }
}
