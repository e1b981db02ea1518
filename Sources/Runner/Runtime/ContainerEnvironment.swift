/// Design 4.3: the caller's environment minus `LD_*`, PATH set to the rootfs
/// default (or the image's), then the image config's environment, then the
/// manifest's `env`.
enum ContainerEnvironment {
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func build(caller: [String], base: [String], manifest: [String]) -> [String] {
        var entries: [String] = []
        var index: [Substring: Int] = [:]
        func set(_ entry: String) {
            let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            if let position = index[name] {
                entries[position] = entry
            } else {
                index[name] = entries.count
                entries.append(entry)
            }
        }
        for entry in caller where entry.contains("=") && !entry.hasPrefix("LD_") { set(entry) }
        set(defaultPath)
        for entry in base { set(entry) }
        for entry in manifest { set(entry) }
        return entries
    }
}
