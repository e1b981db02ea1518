/// One HTTP response held in memory: a small document (a manifest, a token),
/// with the headers of the final response after any redirects.
public struct HTTPResponse: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The URL that was asked for.
    public var url: String
    /// The URL that answered, after redirects.
    public var effectiveURL: String
    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]

    public init(url: String, effectiveURL: String, status: Int, headers: [Header], body: [UInt8]) {
        self.url = url
        self.effectiveURL = effectiveURL
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Every value of the header `name` (compared without case), in order.
    public func values(of name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The last value of the header `name`, if it was sent.
    public func value(of name: String) -> String? { values(of: name).last }

    /// The body as text, for error messages: at most `limit` characters.
    public func bodyExcerpt(limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        let flat = text.map { $0.isNewline ? " " : $0 }
        return flat.count > limit ? String(flat.prefix(limit)) + "..." : String(flat)
    }

    /// Parses one raw header line ("Name: value\r\n"); nil for status lines and blanks.
    static func parseHeader(_ line: String) -> Header? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmed
        guard !name.isEmpty, !name.contains(" ") else { return nil }
        return Header(name: name, value: line[line.index(after: colon)...].trimmed)
    }
}
