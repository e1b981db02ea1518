import DotslashDigest

/// The content address of a runner: `runners/<language>-<id>`. Computed
/// from the stub's digest, the payload's digest and the settings alone, so
/// a plan needs neither the network nor the built file.
public enum RunnerID {
    private static let domain = Array("dotslash-runner-id\u{0}".utf8)

    /// 16 lowercase hex digits of sha256 over a domain tag, the stub digest,
    /// the length-prefixed payload digest text and the encoded settings.
    public static func compute(stubDigest: Digest, payloadDigest: String, settings: RunnerSettings) -> String {
        var writer = ByteWriter()
        writer.raw(domain)
        writer.raw(stubDigest.bytes)
        writer.string(payloadDigest)
        writer.raw(settings.encoded())
        return String(SHA256.hash(writer.bytes).hex.prefix(16))
    }
}
