@testable import DotslashEngine
import DotslashManifest
import Foundation
import Testing
import TestSupport

/// Decisions of the engine that the machine running the tests cannot show
/// through the binary: other kernels, and the kernel's way of choosing a
/// language for a path.
@Suite struct EngineLogicTests {
    @Test func shellRefusesKernelsOlderThan6_7AndSaysWhatToDo() {
        let problem = KernelVersion.binfmtNamespaceProblem(release: "6.6.58-generic")
        #expect(problem?.contains("needs Linux 6.7 or later") == true)
        #expect(problem?.contains("this kernel is 6.6.58-generic") == true)
        #expect(problem?.contains("sudo dotslash apply") == true)
        #expect(KernelVersion.binfmtNamespaceProblem(release: "5.15.0-91-generic") != nil)
        #expect(KernelVersion.binfmtNamespaceProblem(release: "6.7.0") == nil)
        #expect(KernelVersion.binfmtNamespaceProblem(release: "6.18.44-fc") == nil)
        #expect(KernelVersion.binfmtNamespaceProblem(release: "7.0") == nil)
    }

    @Test func runChoosesLikeTheKernelLastDotOfThePathThenMagic() throws {
        let dir = try TemporaryDirectory("chooser")
        let sha = String(repeating: "5f1c", count: 16)
        let manifest = try #require(ManifestLoader().load(text: """
        languages:
          py:
            extensions: [py, Py]
            rootfs: {url: "file:///r.tar", sha256: \(sha)}
            interpreter: [/usr/bin/python3]
          cafe:
            magic: [{hex: "ca fe", offset: 2}]
            rootfs: {url: "file:///r.tar", sha256: \(sha)}
            interpreter: [/bin/sh]

        """, path: "m.yaml").manifest)
        try dir.write("a.py", "")
        try dir.write("tool.d/script", "")
        try dir.write("x.PY", "")
        let magic = dir.file("blob.bin")
        try Data([0x00, 0x00, 0xca, 0xfe, 0x01]).write(to: magic)
        let early = dir.file("short")
        try Data([0xca, 0xfe]).write(to: early)
        #expect(LanguageChooser.choose(path: dir.file("a.py").path, manifest: manifest)?.name == "py")
        // The text after the last dot contains '/': no extension at all.
        #expect(LanguageChooser.choose(path: dir.file("tool.d/script").path, manifest: manifest) == nil)
        // Case-sensitive, as the kernel compares.
        #expect(LanguageChooser.choose(path: dir.file("x.PY").path, manifest: manifest) == nil)
        // No extension of ours: magic at its offset decides.
        #expect(LanguageChooser.choose(path: magic.path, manifest: manifest)?.name == "cafe")
        #expect(LanguageChooser.choose(path: early.path, manifest: manifest) == nil)
    }
}
