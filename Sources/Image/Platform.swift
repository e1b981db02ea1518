#if canImport(Glibc)
import Glibc
#endif

/// An OCI platform: os, architecture and optional variant, named as the
/// image-index specification names them ("linux/amd64", "linux/arm/v7").
public struct Platform: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// "linux/amd64", "linux/arm64/v8" or "linux/arm/v7"; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// The machine this process runs on, from uname(2).
    public static let host: Platform = {
        var names = utsname()
        guard uname(&names) == 0 else { return Platform(os: "linux", architecture: "amd64") }
        let machine = withUnsafeBytes(of: &names.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return Platform(linuxMachine: machine)
    }()

    /// Maps `uname -m` to the OCI names (Go's GOARCH and GOARM).
    public init(linuxMachine machine: String) {
        os = "linux"
        variant = nil
        switch machine {
        case "x86_64", "amd64": architecture = "amd64"
        case "aarch64", "arm64", "aarch64_be":
            architecture = "arm64"
            variant = "v8"
        case "i386", "i486", "i586", "i686": architecture = "386"
        case "mips64el": architecture = "mips64le"
        case "mipsel": architecture = "mipsle"
        case "loongarch64": architecture = "loong64"
        case let arm where arm.hasPrefix("armv"):
            architecture = "arm"
            let digits = arm.dropFirst(4).prefix { $0.isNumber }
            variant = digits.isEmpty ? nil : "v" + digits
        default: architecture = machine
        }
    }

    /// How well an image built for `candidate` runs here: nil when it does
    /// not run at all, else a rank where 0 is the best. An exact variant
    /// beats a missing one, which beats an older variant of the same
    /// architecture (arm/v6 runs on arm/v7); a newer variant never runs.
    public func rank(_ candidate: Platform) -> Int? {
        guard candidate.os == os, candidate.architecture == architecture else { return nil }
        let mine = normalisedVariant, theirs = candidate.normalisedVariant
        if theirs == mine { return 0 }
        guard let theirs else { return 1 }
        guard let theirLevel = Self.level(theirs) else { return nil }
        let myLevel = mine.flatMap(Self.level) ?? Self.baseLevel(architecture)
        guard let myLevel, theirLevel <= myLevel else { return nil }
        return 2 + (myLevel - theirLevel)
    }

    /// The variant with the defaults written out dropped: arm64 is v8, amd64 is v1.
    private var normalisedVariant: String? {
        switch (architecture, variant) {
        case ("arm64", "v8"), ("amd64", "v1"): return nil
        default: return variant
        }
    }

    private static func level(_ variant: String) -> Int? {
        guard variant.hasPrefix("v") else { return nil }
        return Int(variant.dropFirst())
    }

    /// The level a host without a known variant has.
    private static func baseLevel(_ architecture: String) -> Int? {
        switch architecture {
        case "amd64": return 1
        case "arm64": return 8
        default: return nil
        }
    }
}
