#if canImport(Glibc)
import Glibc
#endif
import DotslashDigest

/// The end of a runner file (docs/runner.md, "File format"):
///
///     [stub][payload][settings][tail]
///
/// The tail is `RunnerTrailer.tailSize` bytes, little endian:
///
///     0   u64  payload offset
///     8   u64  payload length
///     16  [32] payload sha256
///     48  [32] settings sha256
///     80  u32  settings length
///     84  u32  format version
///     88  [8]  magic "DSRUNNER"
///
/// The settings bytes end where the tail starts, and the payload ends where
/// the settings start: nothing lies between the parts.
public struct RunnerTrailer: Equatable, Sendable {
    public static let magic: [UInt8] = Array("DSRUNNER".utf8)
    public static let formatVersion: UInt32 = 1
    public static let tailSize = 96
    /// Settings beyond this size are corruption, not data.
    public static let maximumSettingsSize: UInt32 = 1 << 24

    public let formatVersion: UInt32
    public let payloadOffset: UInt64
    public let payloadLength: UInt64
    public let payloadDigest: Digest
    public let settings: RunnerSettings

    public init(payloadOffset: UInt64, payloadLength: UInt64, payloadDigest: Digest, settings: RunnerSettings) {
        self.formatVersion = RunnerTrailer.formatVersion
        self.payloadOffset = payloadOffset
        self.payloadLength = payloadLength
        self.payloadDigest = payloadDigest
        self.settings = settings
    }

    /// The settings bytes followed by the fixed tail: what follows the payload.
    public func encoded() -> [UInt8] {
        let settingsBytes = settings.encoded()
        var writer = ByteWriter()
        writer.raw(settingsBytes)
        writer.u64(payloadOffset)
        writer.u64(payloadLength)
        writer.raw(payloadDigest.bytes)
        writer.raw(SHA256.hash(settingsBytes).bytes)
        writer.u32(UInt32(settingsBytes.count))
        writer.u32(formatVersion)
        writer.raw(RunnerTrailer.magic)
        return writer.bytes
    }

    public static func read(path: String) throws(RunnerFormatError) -> RunnerTrailer {
        let fd = try FileDescriptorIO.openForReading(path, step: "open")
        defer { close(fd) }
        return try read(fromFileDescriptor: fd)
    }

    /// Reads and checks the trailer of an open runner file (position unused).
    public static func read(fromFileDescriptor fd: Int32) throws(RunnerFormatError) -> RunnerTrailer {
        let fileSize = try FileDescriptorIO.size(fd, step: "stat the runner")
        guard fileSize >= UInt64(tailSize) else {
            throw fileSize >= UInt64(magic.count) ? .noTrailer
                : .truncated("\(fileSize) bytes cannot hold the \(tailSize)-byte trailer")
        }
        let tailOffset = fileSize - UInt64(tailSize)
        let tail = try FileDescriptorIO.read(fd, count: tailSize, at: tailOffset, step: "read the trailer")
        guard endsWithMagic(tail) else { throw .noTrailer }
        let version = LittleEndian.u32(tail, at: 84)
        guard version == formatVersion else {
            throw .unsupportedVersion(found: version, supported: formatVersion)
        }
        let payloadOffset = LittleEndian.u64(tail, at: 0)
        let payloadLength = LittleEndian.u64(tail, at: 8)
        var digestBytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 { digestBytes[index] = tail[16 + index] }
        let payloadDigest = Digest(bytes: digestBytes)
        let settingsLength = LittleEndian.u32(tail, at: 80)

        guard settingsLength <= maximumSettingsSize, UInt64(settingsLength) <= tailOffset else {
            throw .outOfRange("settings length \(settingsLength) in a file of \(fileSize) bytes")
        }
        let settingsOffset = tailOffset - UInt64(settingsLength)
        guard payloadOffset > 0, payloadOffset <= settingsOffset,
              payloadLength == settingsOffset - payloadOffset else {
            throw .outOfRange("payload at \(payloadOffset) of length \(payloadLength) must end at the settings, offset \(settingsOffset)")
        }
        let settingsBytes = try FileDescriptorIO.read(fd, count: Int(settingsLength), at: settingsOffset,
                                                      step: "read the settings")
        let settingsDigest = SHA256.hash(settingsBytes).bytes
        for index in 0..<32 where settingsDigest[index] != tail[48 + index] { throw .settingsDigestMismatch }
        let settings = try RunnerSettings(decoding: settingsBytes)
        return RunnerTrailer(payloadOffset: payloadOffset, payloadLength: payloadLength,
                             payloadDigest: payloadDigest, settings: settings)
    }

    /// True when the file ends in the trailer magic (a runner, not a stub).
    public static func hasTrailerMagic(fileDescriptor fd: Int32) throws(RunnerFormatError) -> Bool {
        let size = try FileDescriptorIO.size(fd, step: "stat")
        guard size >= UInt64(magic.count) else { return false }
        let last = try FileDescriptorIO.read(fd, count: magic.count, at: size - UInt64(magic.count), step: "read the end")
        return endsWithMagic(last)
    }

    /// Compares byte by byte: no slices, which the static runner would pay
    /// for with a runtime metadata instantiation.
    private static func endsWithMagic(_ bytes: [UInt8]) -> Bool {
        let start = bytes.count - magic.count
        guard start >= 0 else { return false }
        for index in 0..<magic.count where bytes[start + index] != magic[index] { return false }
        return true
    }
}
