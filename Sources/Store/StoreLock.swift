#if canImport(Glibc)
import Glibc
#endif

/// The store's lock: flock(2) on `<state>/lock`, held by apply, fetch and gc.
/// The holder's pid is written into the file so a second process can say
/// whom it waits for. The kernel drops the lock when the holder dies, even
/// by `kill -9`. Released by `unlock()` or when the value is freed.
public final class StoreLock {
    public let path: String
    private var fd: Int32

    /// Takes the lock, waiting as long as another process holds it. Before
    /// waiting, `onWait` receives "waiting for the store lock held by another
    /// dotslash (pid N)...".
    public init(state: StateDirectory, onWait: (String) -> Void = { _ in }) throws {
        path = state.lockPath
        fd = try FileSystem.open(path, O_RDWR | O_CREAT, mode: 0o644, step: "opening the store lock")
        do {
            try acquire(onWait: onWait)
        } catch {
            close(fd)
            throw error
        }
    }

    private func acquire(onWait: (String) -> Void) throws {
        if try tryLock() { return try recordHolder() }
        // A holder that has only just locked may not have written its pid
        // yet: give it a moment (or take the lock if it lets go meanwhile).
        var holder = holderPid()
        for _ in 0..<20 where holder == nil {
            usleep(5_000)
            if try tryLock() { return try recordHolder() }
            holder = holderPid()
        }
        onWait("waiting for the store lock held by another dotslash\(holder.map { " (pid \($0))" } ?? "")...")
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw StoreError.system("locking the store", path) }
        }
        try recordHolder()
    }

    private func recordHolder() throws {
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) != 0 { throw StoreError.system("recording the lock holder in", path) }
        try text.withUnsafeBytes { bytes in
            if pwrite(fd, bytes.baseAddress, bytes.count, 0) != bytes.count {
                throw StoreError.system("recording the lock holder in", path)
            }
        }
    }

    private func tryLock() throws -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK || errno == EINTR { return false }
        throw StoreError.system("locking the store", path)
    }

    /// The pid the current holder wrote, if it has written one yet.
    private func holderPid() -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return Int32(text.trimmingWhitespace())
    }

    public func unlock() {
        guard fd >= 0 else { return }
        // No stale pid for the next waiter to report.
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    deinit { unlock() }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
