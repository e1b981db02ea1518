import Foundation
import Testing
import TestSupport

/// `make demo` as a newcomer sees it: examples/demo.sh builds a Python and a
/// Common Lisp rootfs, then runs both examples with `./` in a rootless
/// `dotslash shell`; a second run reuses everything.
@Suite(.serialized) struct DemoTests {
    @Test func demoRunsPythonAndLispAndThenReusesWhatItBuilt() throws {
        let directory = try TemporaryDirectory("demo")
        let script = TestPaths.packageRoot.appendingPathComponent("examples/demo.sh").path
        let environment: [String: String?] = ["DOTSLASH_DEMO_DIR": directory.path, "NO_COLOR": "1"]
        // Seed the rootfs tarballs from the test cache: the demo builds them
        // with the same script, and the end-to-end tests already did.
        for (name, cached) in [("python", "python"), ("clisp", "clisp")] {
            try FileManager.default.copyItem(at: try LanguageRootfs.tarball(cached),
                                             to: directory.file("\(name).tar.zst"))
        }
        let first = try Command.run([script, TestPaths.binDir.path], environment: environment)
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("==> registered in this shell: dotslash-lisp-lisp dotslash-python-py\n"))
        #expect(first.stdout.contains("Hello from Python 3."))
        #expect(first.stdout.contains("  arguments: ['world', 'from dotslash']\n"))
        #expect(first.stdout.contains("Hello from CLISP"))
        #expect(first.stdout.contains("  arguments: (\"1\" \"2\" \"3\")\n"))
        let second = try Command.run([script, TestPaths.binDir.path], environment: environment)
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("==> reusing the Python (python3-minimal) rootfs"))
        #expect(!second.stderr.contains("download"))
        #expect(second.stdout.contains("Hello from CLISP"))
    }
}
