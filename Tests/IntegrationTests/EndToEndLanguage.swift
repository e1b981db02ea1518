import Foundation
import Testing
import TestSupport

/// A real language of the end-to-end suite: its manifest entry and where its
/// rootfs comes from. Its script is Tests/Support/hello/hello.EXT.
struct EndToEndLanguage: Sendable, CustomTestStringConvertible {
    var name: String
    var ext: String
    /// The manifest's `interpreter`, as a YAML flow sequence.
    var interpreter: String
    /// A name for LanguageRootfs, or nil for the busybox rootfs.
    var rootfs: String?

    var testDescription: String { name }

    static let python = EndToEndLanguage(name: "python", ext: "py", interpreter: "[/usr/bin/python3]", rootfs: "python")
    static let lisp = EndToEndLanguage(name: "lisp", ext: "lisp", interpreter: "[/usr/bin/clisp]", rootfs: "clisp")
    static let awk = EndToEndLanguage(name: "awk", ext: "awk", interpreter: "[/bin/busybox, awk, -f]", rootfs: nil)

    static let all: [EndToEndLanguage] = [
        python, lisp,
        EndToEndLanguage(name: "ruby", ext: "rb", interpreter: "[/usr/bin/ruby]", rootfs: "ruby"),
        EndToEndLanguage(name: "perl", ext: "pl", interpreter: "[/usr/bin/perl]", rootfs: "perl"),
        EndToEndLanguage(name: "lua", ext: "lua", interpreter: "[/usr/bin/lua5.4]", rootfs: "lua"),
        EndToEndLanguage(name: "tcl", ext: "tcl", interpreter: "[/usr/bin/tclsh8.6]", rootfs: "tcl"),
        // Without --no-auto-compile guile would compile the script into
        // ~/.cache and say so on stderr.
        EndToEndLanguage(name: "guile", ext: "scm", interpreter: "[/usr/bin/guile-3.0, --no-auto-compile, -s]", rootfs: "guile"),
        awk,
    ]

    func tarball() throws -> URL {
        guard let rootfs else { return try RootfsTarballs.busybox() }
        return try LanguageRootfs.tarball(rootfs)
    }

    /// Copies the rootfs tarball into `scenario` and returns the manifest
    /// entry that points at it.
    func manifestEntry(in scenario: Scenario) throws -> String {
        let source = try tarball()
        let target = scenario.dir.file("rootfs/\(name)-\(source.lastPathComponent)")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: target)
        let sha256 = try Scenario.sha256(target.path)
        return """
          \(name):
            extensions: [\(ext)]
            rootfs: {url: "file://\(target.path)", sha256: \(sha256)}
            interpreter: \(interpreter)

        """
    }
}
