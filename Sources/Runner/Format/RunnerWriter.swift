#if canImport(Glibc)
import Glibc
#endif
import DotslashDigest

/// Assembles a runner: the stub's bytes, the payload (hashed while it is
/// copied), the settings and the tail. Same inputs give the same bytes.
public enum RunnerWriter {
    private static let chunkSize = 1 << 20

    /// Writes the runner to `fd`, which must be a fresh, empty file
    /// positioned at 0; the caller owns naming, mode, fsync and rename.
    @discardableResult
    public static func write(stubPath: String, payloadPath: String, settings: RunnerSettings,
                             to fd: Int32) throws(RunnerFormatError) -> RunnerTrailer {
        try settings.validate()
        let position = lseek(fd, 0, SEEK_CUR)
        guard position == 0 else {
            throw position < 0 ? .system(step: "seek the output", errno: errno)
                : .outOfRange("the output is positioned at \(position), not at its start")
        }

        let stub = try FileDescriptorIO.openForReading(stubPath, step: "open the stub")
        defer { close(stub) }
        guard try !RunnerTrailer.hasTrailerMagic(fileDescriptor: stub) else { throw .stubHasPayload(stubPath) }
        var unusedHash = SHA256()
        let stubLength = try copy(from: stub, to: fd, hashing: &unusedHash, what: "stub")
        guard stubLength > 0 else { throw .truncated("the stub \(stubPath) is empty") }

        let payload = try FileDescriptorIO.openForReading(payloadPath, step: "open the payload")
        defer { close(payload) }
        var hasher = SHA256()
        let payloadLength = try copy(from: payload, to: fd, hashing: &hasher, what: "payload")

        let trailer = RunnerTrailer(payloadOffset: stubLength, payloadLength: payloadLength,
                                    payloadDigest: hasher.finalize(), settings: settings)
        try FileDescriptorIO.write(fd, trailer.encoded(), step: "write the trailer")
        return trailer
    }

    private static func copy(from source: Int32, to target: Int32, hashing hasher: inout SHA256,
                             what: String) throws(RunnerFormatError) -> UInt64 {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var total: UInt64 = 0
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, chunkSize) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system(step: "read the \(what)", errno: errno)
            }
            if got == 0 { return total }
            let failure = buffer.withUnsafeBytes { raw -> Int32? in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<got])
                hasher.update(chunk)
                return FileDescriptorIO.writeAll(target, chunk)
            }
            if let failure { throw .system(step: "write the \(what)", errno: failure) }
            total += UInt64(got)
        }
    }
}
