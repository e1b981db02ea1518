/// One challenge of a `WWW-Authenticate` header (RFC 7235):
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"`.
struct AuthChallenge: Equatable {
    /// "bearer" or "basic", lower case.
    var scheme: String
    /// Parameter names in lower case.
    var parameters: [String: String]

    var realm: String? { parameters["realm"] }
    var service: String? { parameters["service"] }
    var scope: String? { parameters["scope"] }

    /// Every challenge in the header values; several may share one header.
    static func parse(_ values: [String]) -> [AuthChallenge] {
        values.flatMap(parse(header:))
    }

    static func parse(header: String) -> [AuthChallenge] {
        var challenges: [AuthChallenge] = []
        var scanner = Scanner(Array(header.utf8))
        while !scanner.atEnd {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\t") }
            let scheme = scanner.token()
            if scheme.isEmpty { break }
            var parameters: [String: String] = [:]
            while true {
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                let mark = scanner.position
                let name = scanner.token()
                scanner.skip { $0 == UInt8(ascii: " ") }
                guard !name.isEmpty, scanner.take(UInt8(ascii: "=")) else {
                    // Not "name=": the next challenge's scheme (or the end).
                    scanner.position = mark
                    break
                }
                scanner.skip { $0 == UInt8(ascii: " ") }
                parameters[name.lowercased()] = scanner.quotedOrToken()
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                if !scanner.take(UInt8(ascii: ",")) { break }
            }
            challenges.append(AuthChallenge(scheme: scheme.lowercased(), parameters: parameters))
        }
        return challenges
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }

        mutating func skip(while predicate: (UInt8) -> Bool) {
            while position < bytes.count, predicate(bytes[position]) { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// An RFC 7230 token (letters, digits and !#$%&'*+-.^_`|~), and '/' and ':' as registries write them unquoted.
        mutating func token() -> String {
            let start = position
            skip { byte in
                let special = Array("!#$%&'*+-.^_`|~/:".utf8)
                return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || special.contains(byte)
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func quotedOrToken() -> String {
            guard take(UInt8(ascii: "\"")) else { return token() }
            var value: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\"), position < bytes.count {
                    value.append(bytes[position])
                    position += 1
                } else {
                    value.append(byte)
                }
            }
            return String(decoding: value, as: UTF8.self)
        }
    }
}
