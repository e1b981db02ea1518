/// Limits for downloads. Defaults suit real networks; the environment can
/// override them (documented in docs/store.md):
///
///     DOTSLASH_CONNECT_TIMEOUT   seconds to establish a connection (30)
///     DOTSLASH_LOW_SPEED_LIMIT   bytes/s below which a transfer is stalled (1024)
///     DOTSLASH_LOW_SPEED_TIME    seconds a stall may last before it times out (30)
///     DOTSLASH_FETCH_ATTEMPTS    attempts per URL, retries included (4)
///     DOTSLASH_RETRY_DELAY       seconds before the first retry, doubled each time (1)
public struct DownloadOptions: Sendable, Equatable {
    public var connectTimeout: Int = 30
    public var lowSpeedLimit: Int = 1024
    public var lowSpeedTime: Int = 30
    public var maxRedirects: Int = 10
    public var maxAttempts: Int = 4
    public var retryDelay: Double = 1
    /// The longest wait between two attempts.
    public var maxRetryDelay: Double = 30
    public var userAgent: String = "dotslash"

    public init() {}

    /// The defaults with the `DOTSLASH_*` overrides applied. A value that is
    /// not a number is an error naming the variable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> DownloadOptions {
        var options = DownloadOptions()
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw OptionError(variable: name, value: text, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        if let value = try integer("DOTSLASH_CONNECT_TIMEOUT", 1...3600) { options.connectTimeout = value }
        if let value = try integer("DOTSLASH_LOW_SPEED_LIMIT", 1...Int(Int32.max)) { options.lowSpeedLimit = value }
        if let value = try integer("DOTSLASH_LOW_SPEED_TIME", 1...3600) { options.lowSpeedTime = value }
        if let value = try integer("DOTSLASH_FETCH_ATTEMPTS", 1...100) { options.maxAttempts = value }
        if let text = environment["DOTSLASH_RETRY_DELAY"], !text.isEmpty {
            guard let value = Double(text), value >= 0, value <= 3600 else {
                throw OptionError(variable: "DOTSLASH_RETRY_DELAY", value: text, expected: "seconds between 0 and 3600")
            }
            options.retryDelay = value
        }
        return options
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int) -> Double {
        min(maxRetryDelay, retryDelay * Double(1 << min(attempt - 1, 16)))
    }
}

public struct OptionError: Error, CustomStringConvertible, Sendable, Equatable {
    public var variable: String
    public var value: String
    public var expected: String

    public var description: String { "\(variable)=\(value) is not valid: expected \(expected)" }
}
