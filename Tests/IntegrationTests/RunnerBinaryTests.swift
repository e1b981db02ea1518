import Foundation
import Testing
import TestSupport

/// The runner must start where the caller's root has no libc, so the stub
/// is a static executable: no PT_INTERP, no PT_DYNAMIC.
@Suite struct RunnerBinaryTests {
    @Test func runnerStubIsStatic() throws {
        let headers = try Command.run(["readelf", "--program-headers", "--wide", TestPaths.runnerStub.path])
        #expect(headers.status == 0, "\(headers)")
        #expect(headers.stdout.contains("LOAD"))
        #expect(!headers.stdout.contains("INTERP"))
        #expect(!headers.stdout.contains("DYNAMIC"))
        let file = try Command.run(["file", "--brief", TestPaths.runnerStub.path])
        #expect(file.stdout.contains("statically linked"))
    }

    @Test func runnerStubImportsNoFoundation() throws {
        let symbols = try Command.run(["nm", "--defined-only", TestPaths.runnerStub.path])
        #expect(symbols.status == 0)
        #expect(!symbols.stdout.contains("10Foundation"))
        #expect(!symbols.stdout.contains("curl_easy_init"))
        #expect(!symbols.stdout.contains("yaml_parser_initialize"))
    }
}
