/// The binary encoding of `RunnerSettings` (docs/runner.md, "Settings"):
///
///     u8      encoding version (1)
///     string  language
///     string  rootfsKey
///     strings interpreter
///     strings baseEnvironment
///     strings environment
///     u8      shebang (0 host, 1 container)
///     u8      network (0 host, 1 none)
///     u8      flags (bit 0: preserveArgv0; other bits zero)
///     u32     mount count, then per mount: string hostPath,
///             string containerPath, u8 readOnly (0 or 1)
///     string  stateDirectory
///
/// `string` is a u32 byte count and UTF-8; `strings` a u32 count of strings.
/// Decoding is strict: unknown versions, enum values, flag bits, trailing
/// bytes and values that break `validate()` are errors.
extension RunnerSettings {
    public static let encodingVersion: UInt8 = 1

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(RunnerSettings.encodingVersion)
        writer.string(language)
        writer.string(rootfsKey)
        writer.strings(interpreter)
        writer.strings(baseEnvironment)
        writer.strings(environment)
        writer.u8(shebang.rawValue)
        writer.u8(network.rawValue)
        writer.u8(preserveArgv0 ? 1 : 0)
        writer.u32(UInt32(truncatingIfNeeded: mounts.count))
        for mount in mounts {
            writer.string(mount.hostPath)
            writer.string(mount.containerPath)
            writer.u8(mount.readOnly ? 1 : 0)
        }
        writer.string(stateDirectory)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(RunnerFormatError) {
        var reader = ByteReader(bytes)
        let version = try reader.u8("encoding version")
        guard version == RunnerSettings.encodingVersion else {
            throw .corruptSettings("encoding version \(version) is not supported (this build reads \(RunnerSettings.encodingVersion))")
        }
        let language = try reader.string("language")
        let rootfsKey = try reader.string("rootfsKey")
        let interpreter = try reader.strings("interpreter")
        let baseEnvironment = try reader.strings("baseEnvironment")
        let environment = try reader.strings("environment")
        let shebangByte = try reader.u8("shebang")
        guard let shebang = ShebangMode(rawValue: shebangByte) else {
            throw .corruptSettings("shebang mode \(shebangByte) is unknown")
        }
        let networkByte = try reader.u8("network")
        guard let network = NetworkMode(rawValue: networkByte) else {
            throw .corruptSettings("network mode \(networkByte) is unknown")
        }
        let flags = try reader.u8("flags")
        guard flags & ~1 == 0 else { throw .corruptSettings("unknown flag bits \(flags)") }
        let mountCount = try reader.count("number of mounts")
        var mounts: [RunnerMount] = []
        for index in 0..<mountCount {
            let host = try reader.string("mounts[\(index)].hostPath")
            let container = try reader.string("mounts[\(index)].containerPath")
            let readOnly = try reader.u8("mounts[\(index)].readOnly")
            guard readOnly <= 1 else { throw .corruptSettings("mounts[\(index)].readOnly is \(readOnly)") }
            mounts.append(RunnerMount(hostPath: host, containerPath: container, readOnly: readOnly == 1))
        }
        let stateDirectory = try reader.string("stateDirectory")
        guard reader.remaining == 0 else {
            throw .corruptSettings("\(reader.remaining) unexpected bytes after the last field")
        }
        self.init(language: language, rootfsKey: rootfsKey, interpreter: interpreter,
                  baseEnvironment: baseEnvironment, environment: environment, shebang: shebang,
                  network: network, mounts: mounts, stateDirectory: stateDirectory,
                  preserveArgv0: flags & 1 == 1)
        try validate()
    }

    /// The rules a runner relies on; the writer refuses settings that break them.
    public func validate() throws(RunnerFormatError) {
        guard SettingsRules.isLanguageName(language) else {
            throw .invalidSettings("language \"\(language)\" must match [a-z0-9][a-z0-9_-]{0,31}")
        }
        guard SettingsRules.isLowercaseDigest(rootfsKey) else {
            throw .invalidSettings("rootfsKey \"\(rootfsKey)\" must be 64 lowercase hex digits")
        }
        guard let program = interpreter.first, program.hasPrefix("/") else {
            throw .invalidSettings("interpreter must be non-empty with an absolute path first")
        }
        for argument in interpreter where argument.utf8.contains(0) {
            throw .invalidSettings("interpreter argument contains a NUL byte")
        }
        for entry in baseEnvironment where !SettingsRules.isEnvironmentEntry(entry) {
            throw .invalidSettings("baseEnvironment entry \"\(entry)\" is not NAME=value")
        }
        for entry in environment where !SettingsRules.isEnvironmentEntry(entry) {
            throw .invalidSettings("environment entry \"\(entry)\" is not NAME=value")
        }
        for mount in mounts {
            guard SettingsRules.isAbsolutePath(mount.hostPath), SettingsRules.isAbsolutePath(mount.containerPath) else {
                throw .invalidSettings("mount \(mount.hostPath):\(mount.containerPath) needs absolute paths")
            }
        }
        guard SettingsRules.isAbsolutePath(stateDirectory) else {
            throw .invalidSettings("stateDirectory \"\(stateDirectory)\" must be an absolute path")
        }
    }
}

/// Character-level rules shared by validation and the runtime.
public enum SettingsRules {
    public static func isLanguageName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 32, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public static func isLowercaseDigest(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 64 && bytes.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }

    /// `NAME=value` with NAME matching `[A-Za-z_][A-Za-z0-9_]*`, no NUL.
    public static func isEnvironmentEntry(_ entry: String) -> Bool {
        var inName = true, nameLength = 0
        for byte in entry.utf8 {
            if byte == 0 { return false }
            guard inName else { continue }
            if byte == UInt8(ascii: "=") {
                inName = false
            } else if isAlnum(byte) || byte == UInt8(ascii: "_") {
                if nameLength == 0 && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { return false }
                nameLength += 1
            } else {
                return false
            }
        }
        return !inName && nameLength > 0
    }

    public static func isAbsolutePath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.utf8.contains(0)
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
