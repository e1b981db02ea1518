import Foundation
import RunnerFormat
import Testing
import TestSupport

/// The language's settings at work in the container: the store it was
/// built for, extra mounts, environment layers, and the rule that keeps
/// host directories off the interpreter's own.
@Suite struct RunnerSettingsTests {
    let harness: RunnerHarness

    init() throws { harness = try RunnerHarness.shared() }

    /// A runner for the busybox tarball with `change` applied to its settings.
    func runner(_ name: String, in dir: String, payload: URL? = nil,
                _ change: (inout RunnerSettings) throws -> Void) throws -> BuiltRunner {
        var settings = harness.busybox.trailer.settings
        if let payload { settings.rootfsKey = try RunnerHarness.digest(payload) }
        try change(&settings)
        return try RunnerHarness.build(name, payload: payload ?? harness.busyboxTarball, settings: settings, in: dir)
    }

    @Test(arguments: Caller.allCases)
    func treeInTheStoreIsUsedWithoutExtractingAndTheStoreIsReadOnly(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        let store = try harness.directory(for: .root, "store")
        let key = harness.busybox.trailer.settings.rootfsKey
        try FileManager.default.createDirectory(atPath: store + "/rootfs/" + key, withIntermediateDirectories: true)
        let untar = try Command.run(["tar", "-C", store + "/rootfs/" + key, "-xzf", harness.busyboxTarball.path])
        #expect(untar.status == 0, "\(untar)")
        let runner = try runner("stored", in: dir) { $0.stateDirectory = store }
        // The store's tree belongs to root: the caller still gets mount points and its own passwd entry.
        try harness.write(dir + "/x.sh", "echo from-store; id -un; touch \"$1/new\" 2>/dev/null && echo store-writable; exit 0\n",
                          by: caller)
        let home = try harness.directory(for: caller, "home")
        let result = try harness.run(caller, [runner.path, "x.sh", store], in: dir, home: home,
                                     environment: ["DOTSLASH_TRACE": "1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from-store\n\(caller.name)\n")
        #expect(!result.stderr.contains("trace: extract"))
        #expect(!FileManager.default.fileExists(atPath: home + "/.cache"))
    }

    @Test(arguments: Caller.allCases)
    func extraMountsAndEnvironmentLayers(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        let data = try harness.directory(for: caller, "data")
        try harness.write(data + "/file.txt", "shared data\n", by: caller)
        let runner = try runner("mounted", in: dir) {
            $0.mounts = [RunnerMount(hostPath: data, containerPath: "/srv/data", readOnly: true)]
            $0.baseEnvironment = ["PATH=/bin:/opt/image/bin", "FROM_IMAGE=image", "LAYER=image"]
            $0.environment = ["LAYER=manifest"]
        }
        let (_, result) = try harness.runScript(caller, """
            cat /srv/data/file.txt
            touch /srv/data/new 2>/dev/null && echo mount-writable
            echo "$PATH|$FROM_IMAGE|$LAYER|$CALLER"
            """, runner: runner, environment: ["CALLER": "caller", "LAYER": "caller", "FROM_IMAGE": "caller"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "shared data\n/bin:/opt/image/bin|image|manifest|caller\n")
    }

    /// The interpreter lives under /tmp in this rootfs: /tmp and the
    /// interpreter's directory are then the container's own, and a script
    /// there is bound alone, without its siblings.
    @Test(arguments: Caller.allCases)
    func hostDirectoriesNeverCoverTheInterpretersDirectory(caller: Caller) throws {
        let name = "dotslash-interp-\(UUID().uuidString.prefix(8))"
        let host = "/tmp/" + name
        defer { _ = try? Command.run(["rm", "-rf", host]) }
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try harness.own(host, by: caller)
        try harness.write(host + "/script.sh", "ls /tmp/\(name) | sort | tr '\\n' ' '; echo\n", by: caller)
        try harness.write(host + "/sibling.txt", "host only\n", by: caller)

        let dir = try harness.directory(for: caller)
        let tarball = dir + "/interp.tar.gz"
        let code = """
            import sys, tarfile
            with tarfile.open(sys.argv[1]) as a, tarfile.open(sys.argv[2], "w:gz") as out:
                for member in a.getmembers():
                    out.addfile(member, a.extractfile(member) if member.isfile() else None)
                link = tarfile.TarInfo("tmp/\(name)/sh"); link.type = tarfile.SYMTYPE; link.linkname = "/bin/busybox"
                out.addfile(link)
            """
        let made = try Command.run(["python3", "-c", code, harness.busyboxTarball.path, tarball])
        #expect(made.status == 0, "\(made)")
        let runner = try runner("interp", in: dir, payload: URL(fileURLWithPath: tarball)) {
            $0.interpreter = ["/tmp/\(name)/sh"]
        }
        try harness.own(dir, by: caller)
        let result = try harness.run(caller, [runner.path, host + "/script.sh"], in: dir,
                                     home: try harness.directory(for: caller, "home"))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "script.sh sh \n" || result.stdout == "sh script.sh \n", "\(result)")
    }
}
