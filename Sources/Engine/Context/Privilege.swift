import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Who is running: root on the host, root in a user namespace of its own,
/// or an unprivileged user.
enum Privilege {
    /// True in the machine's initial user namespace, whose uid_map maps
    /// every uid to itself.
    static var inInitialUserNamespace: Bool {
        guard let map = try? String(contentsOfFile: "/proc/self/uid_map", encoding: .utf8) else { return true }
        let fields = map.split(whereSeparator: \.isWhitespace)
        return fields == ["0", "0", "4294967295"]
    }

    /// Why `command` cannot change the kernel table as this user, or nil.
    static func refusal(for command: String) -> String? {
        guard geteuid() != 0 else { return nil }
        return """
        \(command) needs root: it changes the kernel's binfmt_misc table for everyone.
        Run `sudo dotslash \(command)`, or `dotslash shell` for a private table of your own without root.
        """
    }
}
