import DotslashDigest

extension Plan {
    /// Compares the desired entries (all owned) with the kernel's current
    /// ones (`BinfmtTable.entries()`):
    ///
    /// - add: desired and absent;
    /// - update: present, but any field differs or it is disabled;
    /// - remove: owned, present and not desired (also leftover `<name>.next`);
    /// - unchanged: present exactly as desired;
    /// - conflicts: foreign entries claiming the same extension or an
    ///   overlapping magic (`Match.overlaps`). Foreign entries never get actions.
    ///
    /// Desired entries are compared as the kernel will show them (`F` added,
    /// `C` implying `O`). Throws, before planning anything, when a desired
    /// entry is not owned, is invalid or too long, or two share a name.
    public static func make(desired: [BinfmtEntry], current: [BinfmtEntry]) throws -> Plan {
        var wanted = [String: BinfmtEntry]()
        for entry in desired {
            try RegisterString.preflight(entry)
            guard wanted.updateValue(entry.asRegistered, forKey: entry.name) == nil else {
                throw BinfmtError.duplicateEntry(name: entry.name)
            }
        }
        var present = [String: BinfmtEntry]()
        for entry in current { present[entry.name] = entry }

        var actions = [PlanAction]()
        for (name, entry) in wanted {
            guard let existing = present[name] else {
                actions.append(.add(entry))
                continue
            }
            let changes = fieldChanges(from: existing, to: entry)
            actions.append(changes.isEmpty ? .unchanged(existing)
                                           : .update(current: existing, desired: entry, changes: changes))
        }
        for entry in current where entry.isOwned && wanted[entry.name] == nil {
            actions.append(.remove(entry))
        }
        actions.sort { byteOrder($0.name, $1.name) }

        var conflicts = [BinfmtConflict]()
        for entry in wanted.values {
            for other in current where !other.isOwned && entry.match.overlaps(other.match) {
                let reason: BinfmtConflict.Reason
                if case .extension = entry.match { reason = .sameExtension } else { reason = .overlappingMagic }
                conflicts.append(BinfmtConflict(entry: entry.name, foreign: other, reason: reason))
            }
        }
        conflicts.sort {
            $0.entry != $1.entry ? byteOrder($0.entry, $1.entry) : byteOrder($0.foreign.name, $1.foreign.name)
        }
        return Plan(actions: actions, conflicts: conflicts)
    }

    /// The fields in which `new` differs from `old`, in a fixed order.
    static func fieldChanges(from old: BinfmtEntry, to new: BinfmtEntry) -> [FieldChange] {
        let before = fields(of: old), after = fields(of: new)
        return FieldChange.Field.allCases.compactMap { field in
            before[field] == after[field] ? nil : FieldChange(field: field, old: before[field], new: after[field])
        }
    }

    /// An entry's fields as the kernel prints them.
    static func fields(of entry: BinfmtEntry) -> [FieldChange.Field: String] {
        var fields: [FieldChange.Field: String] = [
            .interpreter: entry.interpreter,
            .flags: entry.flags.letters,
            .state: entry.enabled ? "enabled" : "disabled",
        ]
        switch entry.match {
        case .extension(let ext):
            fields[.type] = "extension"
            fields[.extension] = ext
        case .magic(let offset, let bytes, let mask):
            fields[.type] = "magic"
            fields[.offset] = String(offset)
            fields[.magic] = Hex.encode(bytes)
            fields[.mask] = mask.map(Hex.encode)
        }
        return fields
    }
}

/// Byte order: deterministic whatever the locale or Unicode normalisation.
func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
