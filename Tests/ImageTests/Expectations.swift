@testable import DotslashImage
import Testing

/// Expects `body` to throw an `ImageError` of `kind` whose text holds every fragment.
func expectImageError(_ kind: ImageError.Kind, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("no error", sourceLocation: sourceLocation)
    } catch let error as ImageError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "'\(fragment)' missing from \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}
