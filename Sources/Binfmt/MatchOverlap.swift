extension BinfmtEntry.Match {
    /// Whether the two rules claim a common file, in the sense the planner
    /// reports as a conflict:
    ///
    /// - two extensions overlap when they are the same string (the kernel
    ///   compares case-sensitively);
    /// - two magic rules overlap when their byte ranges `[offset, offset+len)`
    ///   share at least one position and, at every shared position, the bits
    ///   that both masks select agree: `(a & ma & mb) == (b & ma & mb)`
    ///   (a missing mask selects every bit). Exactly then some file header
    ///   matches both rules while both look at a common byte. Rules on
    ///   disjoint ranges are not reported: they test different bytes, and
    ///   almost any two such rules could match one contrived file;
    /// - an extension and a magic rule never overlap (they test different things).
    public func overlaps(_ other: BinfmtEntry.Match) -> Bool {
        switch (self, other) {
        case (.extension(let mine), .extension(let theirs)):
            return mine == theirs
        case (.magic(let offsetA, let bytesA, let maskA), .magic(let offsetB, let bytesB, let maskB)):
            let start = max(offsetA, offsetB)
            let end = min(offsetA + bytesA.count, offsetB + bytesB.count)
            guard start < end else { return false }
            for position in start..<end {
                let indexA = position - offsetA, indexB = position - offsetB
                let both = (maskA?[indexA] ?? 0xff) & (maskB?[indexB] ?? 0xff)
                if bytesA[indexA] & both != bytesB[indexB] & both { return false }
            }
            return true
        default:
            return false
        }
    }
}
