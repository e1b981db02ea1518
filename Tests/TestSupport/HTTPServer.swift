import Foundation

/// Tests/Support/httpserver.py on a free port of 127.0.0.1, serving the files
/// of `root` with the fault modes described in that script. Stopped by
/// `stop()` or when the value is released.
public final class HTTPServer: @unchecked Sendable {
    public struct Request: Sendable, Equatable {
        public var method: String
        public var path: String
        /// The Range header, if the client sent one.
        public var range: String?
        /// The Authorization header, if the client sent one.
        public var authorization: String?
    }

    public let root: URL
    public var port: Int { script.port }
    private let script: BackgroundScript
    private let logPath: String

    public init(root: URL) throws {
        self.root = root
        logPath = root.appendingPathComponent("requests.log").path
        script = try BackgroundScript("httpserver.py", ["--root", root.path, "--log", logPath])
    }

    /// `http://127.0.0.1:PORT/PATH`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Every request the server has seen, in order.
    public func requests() -> [Request] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let method = object["method"] as? String, let path = object["path"] as? String else { return nil }
            return Request(method: method, path: path, range: object["range"] as? String,
                           authorization: object["authorization"] as? String)
        }
    }

    public func clearLog() { try? FileManager.default.removeItem(atPath: logPath) }

    public func stop() { script.stop() }

}
