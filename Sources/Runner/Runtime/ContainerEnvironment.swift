/// Design 4.3: the caller's environment minus `LD_*`, PATH set to the rootfs
/// default (or the image's), then the image config's environment, then the
/// manifest's `env`. Linear scans over `[String]`: an environment is small,
/// and a dictionary would cost a metadata instantiation at every start.
enum ContainerEnvironment {
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func build(caller: [String], base: [String], manifest: [String]) -> [String] {
        var entries: [String] = []
        var names: [String] = []
        func set(_ entry: String) {
            let name = self.name(of: entry)
            if let position = names.firstIndex(of: name) {
                entries[position] = entry
            } else {
                names.append(name)
                entries.append(entry)
            }
        }
        for entry in caller where entry.utf8.contains(UInt8(ascii: "=")) && !entry.hasPrefix("LD_") { set(entry) }
        set(defaultPath)
        for entry in base { set(entry) }
        for entry in manifest { set(entry) }
        return entries
    }

    /// NAME of `NAME=value`.
    static func name(of entry: String) -> String {
        var name: [UInt8] = []
        for byte in entry.utf8 {
            if byte == UInt8(ascii: "=") { break }
            name.append(byte)
        }
        return String(decoding: name, as: UTF8.self)
    }
}
