import Foundation
import Testing
import TestSupport

/// Real scripts through real runners in real rootfs trees, as root and as an
/// unprivileged user (design 4.1-4.3).
@Suite struct RunnerContainerTests {
    let harness: RunnerHarness

    init() throws { harness = try RunnerHarness.shared() }

    @Test(arguments: Caller.allCases)
    func scriptInCurrentDirectory(caller: Caller) throws {
        let (dir, result) = try harness.runScript(caller, "echo \"hello from $0 in $(pwd)\"\n")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "hello from script.sh in \(dir)\n")
    }

    @Test(arguments: Caller.allCases)
    func pythonImportsSiblingModuleFromAnotherDirectory(caller: Caller) throws {
        let project = try harness.directory(for: caller, "project")
        let elsewhere = try harness.directory(for: caller)
        try harness.write(project + "/helper.py", "def greet(who):\n    return 'hello ' + who\n", by: caller)
        try harness.write(project + "/main.py", "import sys, helper\nprint(helper.greet(sys.argv[1]), sys.argv[0])\n",
                          by: caller)
        let result = try harness.run(caller, [harness.python.path, project + "/main.py", "world"], in: elsewhere)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "hello world \(project)/main.py\n")
    }

    /// Scripts named by absolute path from elsewhere: directly in /tmp, in a
    /// directory outside $HOME, in a path with spaces and UTF-8.
    @Test(arguments: Caller.allCases)
    func scriptsRunFromAnyLocation(caller: Caller) throws {
        let scripts = ["/tmp/dotslash-runner-test-\(UUID().uuidString.prefix(8)).sh",
                       try harness.directory(for: caller, "outside/of/home") + "/where.sh",
                       try harness.directory(for: caller, "with spaces/dossier é") + "/my script.sh"]
        defer { unlink(scripts[0]); unlink(scripts[0] + ".data") }
        let elsewhere = try harness.directory(for: caller)
        for script in scripts {
            try harness.write(script, "echo \"ran $0 with HOME=$HOME\"; cat \"$0.data\"\n", by: caller)
            try harness.write(script + ".data", "data\n", by: caller)
            let result = try harness.run(caller, [harness.busybox.path, script], in: elsewhere)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "ran \(script) with HOME=\(try harness.home(for: caller))\ndata\n")
        }
    }

    @Test(arguments: Caller.allCases)
    func argumentsArriveExactly(caller: Caller) throws {
        let arguments = ["two words", "it's \"quoted\"", "line1\nline2", "ünïcødé ✓", "", "--help", "$HOME"]
        let (_, result) = try harness.runScript(caller, "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n",
                                                arguments: arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == arguments.map { "[\($0)]\n" }.joined())
    }

    @Test(arguments: Caller.allCases)
    func stdinIsPipedAndOutputsStayApart(caller: Caller) throws {
        let (_, result) = try harness.runScript(
            caller, "while read -r line; do echo \"out:$line\"; echo \"err:$line\" >&2; done\n", stdin: "one\ntwo\n")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "out:one\nout:two\n")
        #expect(result.stderr == "err:one\nerr:two\n")
    }

    @Test(arguments: Caller.allCases)
    func exitStatusesPassThrough(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        try harness.write(dir + "/status.sh", "exit \"$1\"\n", by: caller)
        for status in [0, 1, 3, 255] {
            let result = try harness.run(caller, [harness.busybox.path, "status.sh", String(status)], in: dir)
            #expect(result.status == Int32(status), "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
        }
    }

    @Test(arguments: Caller.allCases)
    func sigtermIsSeenByTheShellAs143(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        try harness.write(dir + "/term.sh", "kill -TERM $$\nsleep 5\necho not-reached\n", by: caller)
        let result = try harness.run(caller, ["/bin/sh", "-c", "\"$0\" term.sh; echo \"status=$?\"", harness.busybox.path],
                                     in: dir)
        #expect(result.stdout == "status=143\n", "\(result)")
    }

    @Test(arguments: Caller.allCases)
    func filesWrittenBelongToTheCaller(caller: Caller) throws {
        let (dir, result) = try harness.runScript(caller, "echo made > made.txt\n")
        #expect(result.status == 0, "\(result)")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/made.txt")
        #expect((attributes[.ownerAccountID] as? NSNumber)?.uint32Value == caller.uid)
        #expect((attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value == caller.gid)
    }

    @Test(arguments: Caller.allCases)
    func idShowsTheCallersName(caller: Caller) throws {
        let (_, result) = try harness.runScript(caller, "id -un; id -u; id -gn\n")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result)")
        #expect(lines.first == caller.name)
        #expect(lines.dropFirst().first == String(caller.uid))
    }

    @Test(arguments: Caller.allCases)
    func theRootfsIsReadOnly(caller: Caller) throws {
        let (_, result) = try harness.runScript(caller, "touch /usr/new-file && echo wrote; mkdir /usr/bin/x && echo made\n")
        #expect(!result.stdout.contains("wrote") && !result.stdout.contains("made"), "\(result)")
        #expect(result.stderr.contains("Read-only file system"), "\(result)")
    }

    @Test(arguments: Caller.allCases)
    func loaderVariablesDoNotReachTheInterpreter(caller: Caller) throws {
        let (_, result) = try harness.runScript(
            caller, "echo \"[$LD_PRELOAD][$LD_LIBRARY_PATH][$KEEP][$PATH]\"\n",
            environment: ["LD_PRELOAD": "/nonexistent/evil.so", "LD_LIBRARY_PATH": "/evil", "KEEP": "kept"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "[][][kept][/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]\n")
    }

    @Test(arguments: Caller.allCases)
    func networkNoneHasOnlyLoopback(caller: Caller) throws {
        let interfaces = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '\n"
        let (_, offline) = try harness.runScript(caller, interfaces, runner: harness.busyboxOffline)
        #expect(offline.status == 0, "\(offline)")
        #expect(offline.stdout == "lo\n")
        let (_, online) = try harness.runScript(caller, interfaces)
        #expect(online.stdout != "lo\n", "the host network has more than loopback: \(online)")
    }

    @Test(arguments: Caller.allCases)
    func shebangPolicyChoosesHostOrContainer(caller: Caller) throws {
        let dir = try harness.directory(for: caller)
        // The host has /etc/os-release; the busybox rootfs does not.
        let body = "if [ -f /etc/os-release ]; then echo host; else echo container; fi\n"
        try harness.write(dir + "/sh.sh", "#!/bin/sh\n" + body, by: caller)
        try harness.write(dir + "/env.sh", "#!/usr/bin/env sh\n" + body, by: caller)
        try harness.write(dir + "/missing.sh", "#!/no/such/interpreter\n" + body, by: caller)
        try harness.write(dir + "/plain.sh", body, by: caller)
        func where_(_ runner: BuiltRunner, _ script: String, _ env: [String: String] = [:]) throws -> String {
            let result = try harness.run(caller, [runner.path, script], in: dir, environment: env)
            #expect(result.status == 0, "\(result)")
            return result.stdout
        }
        #expect(try where_(harness.busybox, "sh.sh") == "host\n")
        #expect(try where_(harness.busybox, "env.sh") == "host\n")
        #expect(try where_(harness.busybox, "missing.sh") == "container\n")
        #expect(try where_(harness.busybox, "plain.sh") == "container\n")
        #expect(try where_(harness.busybox, "sh.sh", ["DOTSLASH_SHEBANG": "container"]) == "container\n")
        #expect(try where_(harness.busyboxContainerShebang, "sh.sh") == "container\n")
        #expect(try where_(harness.busyboxContainerShebang, "sh.sh", ["DOTSLASH_SHEBANG": "host"]) == "host\n")
        let bad = try harness.run(caller, [harness.busybox.path, "sh.sh"], in: dir, environment: ["DOTSLASH_SHEBANG": "maybe"])
        #expect(bad.status == 126)
        #expect(bad.stderr.contains("dotslash-runner: busybox: read DOTSLASH_SHEBANG"))
    }

    @Test(arguments: Caller.allCases)
    func traceReportsPhases(caller: Caller) throws {
        let (_, result) = try harness.runScript(caller, "echo traced\n", environment: ["DOTSLASH_TRACE": "1"])
        #expect(result.stdout == "traced\n")
        for phase in ["trailer", "rootfs", "namespaces", "overlay", "binds", "pivot", "total"] {
            #expect(result.stderr.contains("dotslash-runner: busybox: trace: \(phase) "), "\(result)")
        }
    }

    @Test func usageWithoutScript() throws {
        let result = try Command.run([harness.busybox.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("usage:") && result.stderr.contains("busybox"))
        let stub = try Command.run([TestPaths.runnerStub.path, "x.sh"])
        #expect(stub.status == 127)
        #expect(stub.stderr.contains("no dotslash trailer"))
    }

    @Test func missingInterpreterExits127() throws {
        var settings = harness.busybox.trailer.settings
        settings.interpreter = ["/usr/bin/not-there"]
        let dir = try harness.directory(for: .root)
        let runner = try RunnerHarness.build("no-interpreter", payload: harness.busyboxTarball, settings: settings, in: dir)
        try harness.write(dir + "/x.sh", "echo x\n", by: .root)
        let result = try harness.run(.root, [runner.path, "x.sh"], in: dir)
        #expect(result.status == 127, "\(result)")
        #expect(result.stderr.contains("dotslash-runner: busybox: exec /usr/bin/not-there: not found in the rootfs"))
    }

    @Test func builtRunnerIsStatic() throws {
        let result = try Command.run(["readelf", "--program-headers", "--wide", harness.busybox.path])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("LOAD"))
        #expect(!result.stdout.contains("INTERP"))
        #expect(!result.stdout.contains("DYNAMIC"))
    }
}
