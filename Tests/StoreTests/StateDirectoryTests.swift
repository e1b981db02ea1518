import DotslashStore
import Foundation
import Testing
import TestSupport

@Suite struct StateDirectoryTests {
    @Test func defaultPathFollowsTheDesign() throws {
        #expect(try StateDirectory.defaultPath(environment: ["HOME": "/home/u"], uid: 0) == "/var/lib/dotslash")
        #expect(try StateDirectory.defaultPath(environment: ["HOME": "/home/u"], uid: 1000)
                == "/home/u/.local/share/dotslash")
        #expect(try StateDirectory.defaultPath(environment: ["HOME": "/home/u", "XDG_DATA_HOME": "/data"], uid: 1000)
                == "/data/dotslash")
        // A relative XDG_DATA_HOME is invalid per the XDG spec and ignored.
        #expect(try StateDirectory.defaultPath(environment: ["HOME": "/home/u", "XDG_DATA_HOME": "rel"], uid: 1000)
                == "/home/u/.local/share/dotslash")
        #expect(try StateDirectory.defaultPath(environment: ["DOTSLASH_STATE_DIR": "/srv/ds"], uid: 0) == "/srv/ds")
        #expect(throws: StoreError.self) { try StateDirectory.defaultPath(environment: [:], uid: 1000) }
    }

    @Test func prepareCreatesTheLayoutWithSafeModes() throws {
        let temp = try TemporaryDirectory("state")
        let state = StateDirectory(path: temp.file("a/b/state").path)
        try state.prepare()
        try state.prepare()  // idempotent
        let expected: [(String, mode_t)] = [
            (state.root, 0o755), (state.blobsDirectory, 0o755), (state.rootfsDirectory, 0o755),
            (state.runnersDirectory, 0o755), (state.temporaryDirectory, 0o700),
        ]
        for (path, mode) in expected {
            #expect(Fixtures.mode(path) & 0o7777 == mode, "\(path)")
        }
        #expect(Fixtures.exists(state.lockPath))
        #expect(state.blobsDirectory.hasSuffix("/blobs/sha256"))
    }

    @Test func prepareIgnoresARestrictiveUmask() throws {
        let temp = try TemporaryDirectory("state")
        let old = umask(0o077)
        defer { umask(old) }
        let state = StateDirectory(path: temp.file("state").path)
        try state.prepare()
        // Users must be able to read the system store's trees.
        #expect(Fixtures.mode(state.rootfsDirectory) & 0o777 == 0o755)
    }

    @Test func refusesAStoreWritableByOthers() throws {
        let temp = try TemporaryDirectory("state")
        let state = StateDirectory(path: temp.file("state").path)
        try state.prepare()
        chmod(state.rootfsDirectory, 0o777)
        let error = try #require(throws: StoreError.self) { try state.prepare() }
        #expect(error.kind == .unsafePermissions)
        #expect(error.description.contains("writable by group or others"))
        #expect(error.description.contains("chmod go-w \(state.rootfsDirectory)"))
    }

    @Test func relativePathsBecomeAbsolute() {
        let state = StateDirectory(path: "some/dir/")
        #expect(state.root.hasPrefix("/"))
        #expect(state.root.hasSuffix("/some/dir"))
    }

    @Test func removeStaleTemporariesKeepsWhatIsAsked() throws {
        let temp = try TemporaryDirectory("state")
        let state = try Fixtures.store(in: temp)
        try temp.write("state/tmp/download-x.partial", "partial")
        try temp.write("state/tmp/rootfs-y.1/usr/file", "tree")
        chmod(temp.file("state/tmp/rootfs-y.1/usr").path, 0o555)
        try state.removeStaleTemporaries { $0.hasPrefix("download-") }
        #expect(Fixtures.listing(state.temporaryDirectory) == ["download-x.partial"])
    }
}

@Suite(.serialized) struct StoreLockTests {
    @Test func aSecondHolderWaitsAndNamesTheHolder() throws {
        let temp = try TemporaryDirectory("lock")
        let state = try Fixtures.store(in: temp)
        let first = try StoreLock(state: state)
        let started = Date()
        let messages = Messages()
        let done = DispatchSemaphore(value: 0)
        // A thread of its own: flock blocks, and must not block the test's executor.
        Thread.detachNewThread {
            if let second = try? StoreLock(state: state, onWait: { messages.append($0) }) {
                messages.append("acquired after \(Date().timeIntervalSince(started))")
                second.unlock()
            }
            done.signal()
        }
        usleep(400_000)
        first.unlock()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let all = messages.all
        #expect(all.first == "waiting for the store lock held by another dotslash (pid \(getpid()))...")
        let waited = all.last.flatMap { Double($0.replacingOccurrences(of: "acquired after ", with: "")) } ?? 0
        #expect(waited >= 0.35)
    }

    @Test func aFreeLockIsTakenWithoutMessage() throws {
        let temp = try TemporaryDirectory("lock")
        let state = try Fixtures.store(in: temp)
        let messages = Messages()
        let lock = try StoreLock(state: state, onWait: { messages.append($0) })
        #expect(try String(contentsOfFile: state.lockPath, encoding: .utf8) == "\(getpid())\n")
        lock.unlock()
        #expect(messages.all.isEmpty)
        #expect(try String(contentsOfFile: state.lockPath, encoding: .utf8) == "")
    }
}

final class Messages: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ text: String) { lock.withLock { items.append(text) } }
    var all: [String] { lock.withLock { items } }
}
