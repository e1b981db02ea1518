import DotslashDigest

// The JSON forms of entries, plans and apply reports (docs/binfmt.md):
// flat objects with bytes as lowercase hex and flags as `POCF` letters, the
// way the kernel prints them, so `diff --json` and `status --json` read
// like the kernel's own files.

extension BinfmtEntry: Codable {
    private enum Key: String, CodingKey {
        case name, owned, enabled, type, `extension`, offset, magic, mask, interpreter, flags
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(name, forKey: .name)
        try container.encode(isOwned, forKey: .owned)
        try container.encode(enabled, forKey: .enabled)
        switch match {
        case .extension(let ext):
            try container.encode("extension", forKey: .type)
            try container.encode(ext, forKey: .extension)
        case .magic(let offset, let bytes, let mask):
            try container.encode("magic", forKey: .type)
            try container.encode(offset, forKey: .offset)
            try container.encode(Hex.encode(bytes), forKey: .magic)
            try container.encode(mask.map(Hex.encode), forKey: .mask)
        }
        try container.encode(interpreter, forKey: .interpreter)
        try container.encode(flags.letters, forKey: .flags)
    }

    /// Reads the form `encode` writes; `owned` is derived from the name and ignored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let name = try container.decode(String.self, forKey: .name)
        let enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        let interpreter = try container.decode(String.self, forKey: .interpreter)
        let letters = try container.decodeIfPresent(String.self, forKey: .flags) ?? ""
        guard let flags = Flags(letters: letters) else {
            throw DecodingError.dataCorruptedError(forKey: .flags, in: container,
                                                   debugDescription: "flags must be letters of POCF in that order")
        }
        func bytes(_ key: Key) throws -> [UInt8]? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let bytes = Hex.decode(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                       debugDescription: "expected an even number of hex digits")
            }
            return bytes
        }
        let match: Match
        switch try container.decode(String.self, forKey: .type) {
        case "extension":
            match = .extension(try container.decode(String.self, forKey: .extension))
        case "magic":
            guard let magic = try bytes(.magic) else {
                throw DecodingError.keyNotFound(Key.magic, .init(codingPath: container.codingPath,
                                                                 debugDescription: "a magic entry needs magic"))
            }
            match = .magic(offset: try container.decodeIfPresent(Int.self, forKey: .offset) ?? 0,
                           bytes: magic, mask: try bytes(.mask))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                   debugDescription: "type must be extension or magic")
        }
        self.init(name: name, match: match, interpreter: interpreter, flags: flags, enabled: enabled)
    }
}

extension PlanAction: Codable {
    private enum Key: String, CodingKey {
        case action, name, current, desired, changes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(kind, forKey: .action)
        try container.encode(name, forKey: .name)
        try container.encode(current, forKey: .current)
        try container.encode(desired, forKey: .desired)
        try container.encode(changes, forKey: .changes)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let current = try container.decodeIfPresent(BinfmtEntry.self, forKey: .current)
        let desired = try container.decodeIfPresent(BinfmtEntry.self, forKey: .desired)
        let kind = try container.decode(Kind.self, forKey: .action)
        func missing(_ key: Key) -> DecodingError {
            .keyNotFound(key, .init(codingPath: container.codingPath, debugDescription: "\(kind) needs \(key)"))
        }
        switch kind {
        case .add:
            guard let desired else { throw missing(.desired) }
            self = .add(desired)
        case .remove:
            guard let current else { throw missing(.current) }
            self = .remove(current)
        case .unchanged:
            guard let current else { throw missing(.current) }
            self = .unchanged(current)
        case .update:
            guard let current else { throw missing(.current) }
            guard let desired else { throw missing(.desired) }
            self = .update(current: current, desired: desired,
                           changes: try container.decodeIfPresent([FieldChange].self, forKey: .changes) ?? [])
        }
    }
}

extension BinfmtConflict: Codable {
    private enum Key: String, CodingKey {
        case entry, reason, foreign, message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(entry, forKey: .entry)
        try container.encode(reason, forKey: .reason)
        try container.encode(foreign, forKey: .foreign)
        try container.encode(description, forKey: .message)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init(entry: try container.decode(String.self, forKey: .entry),
                  foreign: try container.decode(BinfmtEntry.self, forKey: .foreign),
                  reason: try container.decode(Reason.self, forKey: .reason))
    }
}

extension Plan: Codable {
    private enum Key: String, CodingKey {
        case inSync, summary, actions, conflicts
    }

    /// Counts per action kind, and of conflicts.
    public var summary: [String: Int] {
        var counts = [String: Int]()
        for kind in PlanAction.Kind.allCases { counts[kind.rawValue] = count(of: kind) }
        counts["conflicts"] = conflicts.count
        return counts
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(!hasChanges, forKey: .inSync)
        try container.encode(summary, forKey: .summary)
        try container.encode(actions, forKey: .actions)
        try container.encode(conflicts, forKey: .conflicts)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init(actions: try container.decode([PlanAction].self, forKey: .actions),
                  conflicts: try container.decodeIfPresent([BinfmtConflict].self, forKey: .conflicts) ?? [])
    }
}

extension ApplyOutcome: Encodable {
    private enum Key: String, CodingKey {
        case action, name, succeeded, done, error, hint, remains
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(action, forKey: .action)
        try container.encode(name, forKey: .name)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(done, forKey: .done)
        try container.encode(error?.message, forKey: .error)
        try container.encode(error?.hint, forKey: .hint)
        try container.encode(remains, forKey: .remains)
    }
}

extension ApplyReport: Encodable {
    private enum Key: String, CodingKey {
        case succeeded, outcomes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(outcomes, forKey: .outcomes)
    }
}
