import DotslashDigest
import Foundation
import Testing
import TestSupport

/// `image:` manifests end to end: a python image pushed to a real registry
/// on 127.0.0.1, applied into a private binfmt_misc, `./hello.py` run from it.
@Suite(.serialized) struct ApplyImageTests {
    /// The cached python rootfs as a directory, for building image layers.
    static func pythonTree(in directory: TemporaryDirectory) throws -> URL {
        let tree = directory.file("python-tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let tarball = try RootfsTarballs.python()
        let result = try Command.run(["tar", "--zstd", "-xf", tarball.path, "-C", tree.path, "--exclude=./dev/*"])
        guard result.status == 0 else { throw FixtureError("extracting the python rootfs failed: \(result)") }
        return tree
    }

    @Test func applyPullsTheImageAndScriptsRunInIt() throws {
        let directory = try TemporaryDirectory("apply-image")
        let registry = try TestRegistry()
        defer { registry.stop() }
        let tree = try Self.pythonTree(in: directory)
        let layout = directory.file("layout").path
        func image(_ tag: String, _ greeting: String) -> [String: Any] {
            ["tag": tag, "platform": Fixtures.hostPlatform, "layers": [["dir": tree.path, "compression": "zstd"]],
             "env": ["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=\(greeting)"]]
        }
        try Fixtures.makeLayout(["layout": layout, "images": [image("v1", "from-image-v1")]], in: directory)
        try Fixtures.push(layout: layout, tag: "v1", to: "\(registry.host)/lang/python:3")

        let scenario = try Scenario("apply-image-scenario")
        try scenario.write("languages.d/python.yaml", """
        languages:
          python:
            extensions: [py]
            rootfs: {image: "\(registry.host)/lang/python:3"}
            interpreter: [/usr/bin/python3]
            env: {EXTRA: "from-manifest"}

        """)
        try scenario.write("hello.py", """
        import os, sys
        print("python", sys.version_info[0], sys.argv[1:], os.environ.get("GREETING"), os.environ.get("EXTRA"))
        print("stdin:", sys.stdin.read().strip())
        sys.exit(5)

        """, executable: true)
        let first = try scenario.run("""
        dotslash diff > /dev/null; echo "diff-before=$?"
        dotslash apply; echo "apply=$?"
        echo piped | ./hello.py a "b c"; echo "hello=$?"
        dotslash diff; echo "diff=$?"
        grep -c '"language"\\|"python"' state/images.lock > /dev/null && echo locked
        """)
        #expect(first.stdout.contains("diff-before=1\n"), "\(first)")
        #expect(first.stdout.contains("+ registered dotslash-python-py (python)\n"))
        #expect(first.stdout.contains("Apply complete: 1 added, 0 changed, 0 removed, 0 unchanged.\napply=0\n"))
        #expect(first.stdout.contains("python 3 ['a', 'b c'] from-image-v1 from-manifest\nstdin: piped\nhello=5\n"))
        #expect(first.stdout.contains("No changes."))
        #expect(first.stdout.contains("diff=0\nlocked\n"))

        // The tag moves; without --update the lock keeps the old digest, offline.
        try Fixtures.makeLayout(["layout": layout, "images": [image("v2", "from-image-v2")]], in: directory)
        try Fixtures.push(layout: layout, tag: "v2", to: "\(registry.host)/lang/python:3")
        let second = try scenario.run("""
        dotslash apply > /dev/null
        dotslash diff > /dev/null; echo "diff=$?"
        dotslash apply --update; echo "update=$?"
        ./hello.py < /dev/null
        """)
        #expect(second.stdout.hasPrefix("diff=0\n"), "\(second)")
        #expect(second.stdout.contains("python: \(registry.host)/lang/python:3 sha256:"))
        #expect(second.stdout.contains("~ updated dotslash-python-py (python)\n"))
        #expect(second.stdout.contains("update=0\n"))
        #expect(second.stdout.contains("from-image-v2 from-manifest\n"))

        // With the registry gone, diff and apply still work from the lock.
        registry.stop()
        let offline = try scenario.run("dotslash apply > /dev/null; echo \"apply=$?\"; dotslash diff > /dev/null; echo \"diff=$?\"")
        #expect(offline.stdout == "apply=0\ndiff=0\n", "\(offline)")
    }

    @Test func anOCILayoutOnDiskIsASource() throws {
        let directory = try TemporaryDirectory("apply-oci-layout")
        let tree = try Fixtures.busyboxTree(in: directory)
        let layout = directory.file("layout").path
        try Fixtures.makeLayout(["layout": layout, "images": [
            ["tag": "v1", "platform": Fixtures.hostPlatform, "layers": [["dir": tree.path]], "env": ["PATH=/bin"]],
        ]], in: directory)
        let scenario = try Scenario("apply-oci-scenario")
        try scenario.write("languages.d/bb.yaml", """
        languages:
          bb:
            extensions: [bbsh]
            rootfs: {image: "oci:\(layout):v1"}
            interpreter: [/bin/sh]

        """)
        try scenario.write("hello.bbsh", "echo \"PATH=$PATH\"\n", executable: true)
        let result = try scenario.run("dotslash apply > /dev/null; echo \"apply=$?\"; ./hello.bbsh")
        #expect(result.stdout == "apply=0\nPATH=/bin\n", "\(result)")
    }
}
