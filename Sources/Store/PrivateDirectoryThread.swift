import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Runs work on a fresh thread that has its own working directory and umask
/// (unshare(CLONE_FS)), changed to `directory` and 022. libarchive's secure
/// extraction only accepts relative member names, resolved against the
/// working directory; a private one keeps other threads' relative paths
/// and umask untouched.
enum PrivateDirectoryThread {
    private final class Job: @unchecked Sendable {
        let directory: String
        let body: () throws -> Void
        var failure: Error?

        init(directory: String, body: @escaping () throws -> Void) {
            self.directory = directory
            self.body = body
        }

        func run() {
            do {
                if ds_unshare(ds_CLONE_FS) != 0 {
                    throw StoreError.system("giving the extraction thread its own working directory", directory)
                }
                umask(0o022)
                if chdir(directory) != 0 { throw StoreError.system("entering", directory) }
                try body()
            } catch {
                failure = error
            }
        }
    }

    static func run(in directory: String, _ body: @escaping () throws -> Void) throws {
        let job = Job(directory: directory, body: body)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let job = Unmanaged<Job>.fromOpaque(context).takeRetainedValue()
            job.run()
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<Job>.fromOpaque(context).release()
            throw StoreError.system("starting the extraction thread", directory, errno: rc)
        }
        pthread_join(thread, nil)
        if let failure = job.failure { throw failure }
    }
}
