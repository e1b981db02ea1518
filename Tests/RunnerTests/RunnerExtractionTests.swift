import Foundation
import RunnerFormat
import Testing
import TestSupport

/// First runs: the runner verifies and extracts its own payload (design 4.2),
/// once, safely, and refuses what it cannot trust.
@Suite struct RunnerExtractionTests {
    let harness: RunnerHarness

    init() throws { harness = try RunnerHarness.shared() }

    /// The tree a runner extracts into `home`'s cache.
    func cachedTree(_ runner: BuiltRunner, home: String) -> String {
        home + "/.cache/dotslash/rootfs/" + runner.trailer.settings.rootfsKey
    }

    func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test(arguments: Caller.allCases)
    func runnerCopiedAloneExtractsIntoAnEmptyCache(caller: Caller) throws {
        let dir = try harness.directory(for: caller, "lonely")
        let home = try harness.directory(for: caller, "empty-home")
        let runner = dir + "/busybox"
        try FileManager.default.copyItem(atPath: harness.busybox.path, toPath: runner)
        try harness.own(runner, by: caller)
        try harness.write(dir + "/hello.sh", "echo alone; cat /etc/os-release 2>/dev/null || echo no-os-release\n", by: caller)
        #expect(entries(dir) == ["busybox", "hello.sh"])

        let first = try harness.run(caller, [runner, "hello.sh"], in: dir, home: home)
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout == "alone\nno-os-release\n")
        let tree = cachedTree(harness.busybox, home: home)
        #expect(FileManager.default.fileExists(atPath: tree + "/bin/busybox"))
        let owner = try FileManager.default.attributesOfItem(atPath: tree)[.ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value == caller.uid)
        #expect(!entries(home + "/.cache/dotslash/rootfs").contains { $0.hasPrefix(".tmp-") })

        let second = try harness.run(caller, [runner, "hello.sh"], in: dir, home: home, environment: ["DOTSLASH_TRACE": "1"])
        #expect(second.stdout == first.stdout)
        #expect(!second.stderr.contains("trace: extract"), "a warm start must not extract: \(second)")
    }

    @Test(arguments: Caller.allCases)
    func concurrentFirstRunsExtractOnceAndAllSucceed(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        let home = try harness.directory(for: caller, "fresh-home")
        try harness.write(dir + "/n.sh", "echo \"run $1\"\n", by: caller)
        let results = try (0..<8).map { index in
            try harness.runInBackground(caller, [harness.busybox.path, "n.sh", String(index)],
                                        in: dir, home: home, environment: ["DOTSLASH_TRACE": "1"])
        }.map { $0.wait() }
        for (index, result) in results.enumerated() {
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "run \(index)\n")
        }
        let extractions = results.filter { $0.stderr.contains("trace: extract ") }.count
        #expect(extractions == 1, "\(results.map(\.stderr))")
        let rootfs = home + "/.cache/dotslash/rootfs"
        #expect(entries(rootfs).filter { !$0.hasPrefix(".") } == [harness.busybox.trailer.settings.rootfsKey])
        #expect(!entries(rootfs).contains { $0.hasPrefix(".tmp-") })
    }

    @Test(arguments: Caller.allCases)
    func alteredPayloadRefusesToRunAndSaysWhy(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        let home = try harness.directory(for: caller, "home")
        try harness.write(dir + "/x.sh", "echo should-not-run\n", by: caller)
        // Change the gzip header's mtime: still a valid archive, a different digest.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: harness.busybox.path)))
        bytes[Int(harness.busybox.trailer.payloadOffset) + 5] ^= 0x5a
        let altered = dir + "/altered"
        try Data(bytes).write(to: URL(fileURLWithPath: altered))
        chmod(altered, 0o755)
        let result = try harness.run(caller, [altered, "x.sh"], in: dir, home: home)
        #expect(result.status == 126, "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("dotslash-runner: busybox: verify payload: payload sha256 is "), "\(result)")
        #expect(result.stderr.contains("the trailer expects \(harness.busybox.trailer.payloadDigest.hex)"))
        #expect(result.stderr.contains("hint: the runner file is corrupt or was altered"))
        let rootfs = home + "/.cache/dotslash/rootfs"
        #expect(!entries(rootfs).contains { !$0.hasPrefix(".") || $0.hasPrefix(".tmp-") }, "\(entries(rootfs))")

        // Garbage in the compressed stream fails while extracting, with the same hint.
        bytes[Int(harness.busybox.trailer.payloadOffset) + 5] ^= 0x5a
        for index in 0..<64 { bytes[Int(harness.busybox.trailer.payloadOffset) + 4000 + index] ^= 0xff }
        try Data(bytes).write(to: URL(fileURLWithPath: altered))
        let garbled = try harness.run(caller, [altered, "x.sh"], in: dir, home: home)
        #expect(garbled.status == 126, "\(garbled)")
        #expect(garbled.stderr.contains("the runner file is corrupt or was altered"), "\(garbled)")
    }

    @Test(arguments: Caller.allCases)
    func treeWritableByOthersIsRefused(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        let home = try harness.directory(for: caller, "home")
        try harness.write(dir + "/x.sh", "echo ran\n", by: caller)
        #expect(try harness.run(caller, [harness.busybox.path, "x.sh"], in: dir, home: home).status == 0)
        let tree = cachedTree(harness.busybox, home: home)
        chmod(tree, 0o777)
        let result = try harness.run(caller, [harness.busybox.path, "x.sh"], in: dir, home: home)
        #expect(result.status == 126)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("check rootfs: refusing \(tree): \(tree) is writable by group or others (mode 777)"),
                "\(result)")
    }

    /// A tarball made with Python's tarfile from the busybox rootfs plus `extra` (Python code on `out`).
    func hostileTarball(_ name: String, _ extra: String) throws -> URL {
        let target = URL(fileURLWithPath: try harness.directory(for: .root)).appendingPathComponent(name + ".tar.gz")
        let code = """
            import io, sys, tarfile
            src, dst = sys.argv[1], sys.argv[2]
            def data(name, text, mode=0o644):
                info = tarfile.TarInfo(name); info.size = len(text); info.mode = mode
                return info, io.BytesIO(text)
            with tarfile.open(src) as a, tarfile.open(dst, "w:gz") as out:
                for member in a.getmembers():
                    out.addfile(member, a.extractfile(member) if member.isfile() else None)
            \(extra.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        let result = try Command.run(["python3", "-c", code, harness.busyboxTarball.path, target.path])
        #expect(result.status == 0, "\(result)")
        return target
    }

    func runnerFor(_ tarball: URL, in dir: String) throws -> BuiltRunner {
        var settings = harness.busybox.trailer.settings
        settings.rootfsKey = try RunnerHarness.digest(tarball)
        return try RunnerHarness.build("hostile", payload: tarball, settings: settings, in: dir)
    }

    @Test(arguments: Caller.allCases)
    func hostileEntriesAreRefused(caller: Caller) throws {
        let outside = try harness.directory(for: caller, "outside")
        let cases: [(String, String, String)] = [
            ("dotdot", "out.addfile(*data('usr/../../escape.txt', b'x'))", "\"..\" in its path"),
            ("absolute", "out.addfile(*data('/abs-escape.txt', b'x'))", "absolute path"),
            ("through-symlink", """
                link = tarfile.TarInfo('usr/link'); link.type = tarfile.SYMTYPE; link.linkname = '\(outside)'
                out.addfile(link)
                out.addfile(*data('usr/link/pwned.txt', b'x'))
                """, "its path goes through a symlink"),
        ]
        for (name, extra, why) in cases {
            let dir = try harness.directory(for: caller)
            let runner = try runnerFor(try hostileTarball(name, extra), in: dir)
            try harness.own(runner.path, by: caller)
            try harness.write(dir + "/x.sh", "echo ran\n", by: caller)
            let home = try harness.directory(for: caller, "home")
            let result = try harness.run(caller, [runner.path, "x.sh"], in: dir, home: home)
            #expect(result.status == 126, "\(name): \(result)")
            #expect(result.stderr.contains("dotslash-runner: busybox: extract payload: refusing entry"), "\(result)")
            #expect(result.stderr.contains(why), "\(name): \(result)")
            #expect(entries(outside).isEmpty, "\(name) wrote outside its tree")
            #expect(!FileManager.default.fileExists(atPath: "/abs-escape.txt"))
            #expect(!entries(home + "/.cache/dotslash/rootfs").contains { !$0.hasPrefix(".") || $0.hasPrefix(".tmp-") })
        }
    }

    @Test(arguments: Caller.allCases)
    func setuidBitsDroppedAndDevicesSkipped(caller: Caller) throws {
        let tarball = try hostileTarball("privileged", """
            out.addfile(*data('usr/bin/suid', b'#!/bin/sh\\n', 0o6755))
            dev = tarfile.TarInfo('dev/evil-null'); dev.type = tarfile.CHRTYPE; dev.devmajor = 1; dev.devminor = 3
            out.addfile(dev)
            """)
        let dir = try harness.directory(for: caller)
        let runner = try runnerFor(tarball, in: dir)
        try harness.write(dir + "/x.sh", "echo ran\n", by: caller)
        let home = try harness.directory(for: caller, "home")
        let result = try harness.run(caller, [runner.path, "x.sh"], in: dir, home: home)
        #expect(result.status == 0, "\(result)")
        let tree = cachedTree(runner, home: home)
        let mode = try FileManager.default.attributesOfItem(atPath: tree + "/usr/bin/suid")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o755)
        #expect(!FileManager.default.fileExists(atPath: tree + "/dev/evil-null"))
    }
}
