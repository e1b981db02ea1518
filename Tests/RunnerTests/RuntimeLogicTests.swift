@testable import RunnerRuntime
import RunnerFormat
import Testing

/// The runtime's pure decisions: binds, `#!` lines, identity files, environment.
@Suite struct RuntimeLogicTests {
    static func request(cwd: String = "/home/ana/proj", script: String? = "/home/ana/proj/x.py",
                        canonical: String? = nil, home: String? = "/home/ana",
                        interpreter: String = "/usr/bin/python3", mounts: [RunnerMount] = []) -> BindRequest {
        BindRequest(currentDirectory: cwd, script: script, canonicalScript: canonical, home: home,
                    stateDirectory: "/var/lib/dotslash", interpreter: interpreter, extraMounts: mounts)
    }

    /// Every path exists; /etc/hosts and names with a dot are files.
    static func kind(_ path: String) -> HostPathKind? {
        path == "/etc/hosts" || path.split(separator: "/").last?.contains(".") == true ? .file : .directory
    }

    @Test func bindsParentsFirstAndSkipsCoveredPaths() {
        let binds = MountPlan.binds(for: Self.request(), kind: Self.kind)
        let targets = binds.map(\.target)
        #expect(targets == ["/dev", "/proc", "/sys", "/tmp", "/home/ana", "/var/lib/dotslash",
                            "/etc/resolv.conf", "/etc/hosts"])
        #expect(binds.first { $0.target == "/sys" }?.readOnly == true)
        #expect(binds.first { $0.target == "/var/lib/dotslash" }?.readOnly == true)
        #expect(binds.first { $0.target == "/home/ana" }?.readOnly == false)
    }

    @Test func readOnlyChildOfWritableParentStaysOnTop() {
        var request = Self.request()
        request.stateDirectory = "/home/ana/.local/share/dotslash"
        let targets = MountPlan.binds(for: request, kind: Self.kind).map(\.target)
        let home = targets.firstIndex(of: "/home/ana"), state = targets.firstIndex(of: "/home/ana/.local/share/dotslash")
        #expect(home != nil && state != nil && home! < state!)
    }

    @Test func protectedDirectoriesGetOnlyTheScriptFile() {
        let binds = MountPlan.binds(for: Self.request(cwd: "/usr/bin", script: "/usr/bin/tool.py", home: "/"),
                                    kind: Self.kind)
        #expect(!binds.contains { $0.target == "/usr/bin" || $0.target == "/" || $0.target == "/usr" })
        #expect(binds.contains { $0.target == "/usr/bin/tool.py" && !$0.isDirectory })
        for path in ["/", "/usr", "/bin", "/sbin", "/etc", "/lib", "/lib64", "/libx32", "/library", "/opt/py", "/opt"] {
            #expect(MountPlan.isProtected(path, interpreterDirectory: "/opt/py/bin"), "\(path)")
        }
        for path in ["/usr/local/src", "/home", "/etc/nginx", "/opt/other", "/srv"] {
            #expect(!MountPlan.isProtected(path, interpreterDirectory: "/opt/py/bin"), "\(path)")
        }
    }

    @Test func scriptReachedThroughASymlinkBindsBothDirectories() {
        let binds = MountPlan.binds(for: Self.request(cwd: "/srv/w", script: "/srv/link/x.py",
                                                      canonical: "/data/real/x.py"), kind: Self.kind)
        #expect(binds.contains { $0.target == "/srv/link" })
        #expect(binds.contains { $0.target == "/data/real" })
    }

    @Test func extraMountsAndMissingPaths() {
        let request = Self.request(mounts: [RunnerMount(hostPath: "/srv/data", containerPath: "/data", readOnly: true),
                                            RunnerMount(hostPath: "/gone", containerPath: "/gone", readOnly: false),
                                            RunnerMount(hostPath: "/srv/x", containerPath: "/usr", readOnly: false)])
        let binds = MountPlan.binds(for: request) { $0 == "/gone" ? nil : Self.kind($0) }
        #expect(binds.contains(Bind(source: "/srv/data", target: "/data", readOnly: true, isDirectory: true)))
        #expect(!binds.contains { $0.target == "/gone" || $0.target == "/usr" })
    }

    @Test func shebangLinesSplitLikeTheKernel() {
        func line(_ text: String) -> ShebangLine? { ShebangLine(Array(text.utf8)) }
        #expect(line("#!/bin/sh\necho") == ShebangLine(interpreter: "/bin/sh", argument: nil))
        #expect(line("#! /usr/bin/env  python3 -u \nx") == ShebangLine(interpreter: "/usr/bin/env", argument: "python3 -u"))
        #expect(line("#!/bin/sh -e") == ShebangLine(interpreter: "/bin/sh", argument: "-e"))
        #expect(line("print(1)") == nil)
        #expect(line("#!\n") == nil)
        #expect(line("#!/usr/bin/env -S python3 -u\n")?.envProgram == "python3")
        #expect(line("#!/usr/bin/env PYTHONX=1 python3\n")?.envProgram == "python3")
        #expect(line("#!/bin/sh\n")?.envProgram == nil)
    }

    @Test func identityFilesReplaceClashingEntries() {
        let host = "root:x:0:0:root:/root:/bin/bash\nana:x:1000:1000:Ana:/home/ana:/bin/bash\n"
        let user = IdentityFiles.userLine(uid: 1000, gid: 1000, hostPasswd: host, fallbackName: nil, home: nil)
        #expect(user == "ana:x:1000:1000:Ana:/home/ana:/bin/bash")
        let merged = IdentityFiles.merge(user, into: "root:x:0:0:root:/root:/bin/sh\nubuntu:x:1000:1000::/home/ubuntu:/bin/sh\nana:x:5:5::/:/bin/sh\n")
        #expect(merged == "root:x:0:0:root:/root:/bin/sh\nana:x:1000:1000:Ana:/home/ana:/bin/bash\n")
        #expect(IdentityFiles.userLine(uid: 4242, gid: 7, hostPasswd: host, fallbackName: "bob", home: "/h")
                == "bob:x:4242:7:bob:/h:/bin/sh")
        #expect(IdentityFiles.userLine(uid: 4242, gid: 7, hostPasswd: host, fallbackName: "a:b", home: nil)
                    .hasPrefix("user4242:x:4242:7:"))
        #expect(IdentityFiles.groupLine(gid: 1000, hostGroup: "ana:x:1000:ana,bob\n", fallbackName: nil) == "ana:x:1000:")
        #expect(IdentityFiles.groupLine(gid: 9, hostGroup: "", fallbackName: nil) == "group9:x:9:")
    }

    @Test func environmentDropsLoaderVariablesAndLayersSettings() {
        let env = ContainerEnvironment.build(
            caller: ["HOME=/home/ana", "LD_PRELOAD=/evil.so", "LD_LIBRARY_PATH=/x", "PATH=/host/bin", "LANG=de_DE.UTF-8", "NOEQUALS"],
            base: ["PATH=/opt/py/bin:/usr/bin", "LANG=C.UTF-8"], manifest: ["PYTHONDONTWRITEBYTECODE=1", "LANG=C"])
        #expect(env == ["HOME=/home/ana", "PATH=/opt/py/bin:/usr/bin", "LANG=C", "PYTHONDONTWRITEBYTECODE=1"])
        let plain = ContainerEnvironment.build(caller: ["PATH=/host"], base: [], manifest: [])
        #expect(plain == [ContainerEnvironment.defaultPath])
    }

    @Test func pathsNormaliseLexically() {
        #expect(PathText.normalize("a/./b/../c", relativeTo: "/w") == "/w/a/c")
        #expect(PathText.normalize("/../x", relativeTo: "/w") == "/x")
        #expect(PathText.dirname("/a/b") == "/a")
        #expect(PathText.dirname("/a") == "/")
        #expect(PathText.isAncestorOrSelf("/a", of: "/a/b"))
        #expect(!PathText.isAncestorOrSelf("/a", of: "/ab"))
        #expect(PathText.relative("/a/b/c", to: "/a") == "b/c")
        #expect(Trace.milliseconds(1_234_567) == "1.234")
        #expect(Trace.milliseconds(5_000) == "0.005")
    }
}
