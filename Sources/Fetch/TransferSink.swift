import DotslashDigest
import DotslashStore
#if canImport(Glibc)
import Glibc
#endif

/// Receives one transfer's bytes from libcurl: checks the response before
/// the first byte is kept, appends to the partial file and feeds the hash in
/// the same pass. Its file offset and hash always describe the same bytes,
/// so a later attempt can resume from them.
final class TransferSink {
    enum Failure: Equatable {
        /// write(2) to the partial file failed with this errno.
        case write(Int32)
        /// The server answered a Range request with the wrong range.
        case rangeMismatch(String)
        /// More bytes arrived than the expected size: at least this many.
        case tooLarge(announced: Int64)
    }

    let fd: Int32
    let path: String
    let expectedSize: Int64?
    let progress: ProgressReporter
    private(set) var hasher: SHA256
    private(set) var size: Int64
    /// The offset asked for with Range in the current attempt (0: none).
    private(set) var requestedFrom: Int64 = 0
    private(set) var failure: Failure?
    /// True when a server ignored Range and the file was started over.
    private(set) var restarted = false
    private var checkedResponse = false
    private var headers: [String] = []
    private weak var curl: CurlEasy?

    init(fd: Int32, path: String, hasher: SHA256, size: Int64, expectedSize: Int64?, progress: ProgressReporter) {
        self.fd = fd
        self.path = path
        self.hasher = hasher
        self.size = size
        self.expectedSize = expectedSize
        self.progress = progress
    }

    /// Prepares for one attempt on `curl`, which asks for bytes from `offset` on.
    func beginAttempt(curl: CurlEasy, requestedFrom offset: Int64) {
        self.curl = curl
        requestedFrom = offset
        failure = nil
        checkedResponse = false
        headers = []
    }

    /// Empties the partial file: the next attempt starts from byte 0.
    func reset() throws {
        if ftruncate(fd, 0) != 0 {
            throw FetchError(url: path, step: .write, detail: String(cString: strerror(errno)),
                             hint: "check free space and permissions under the state directory")
        }
        hasher = SHA256()
        size = 0
    }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") { headers = [] }
        headers.append(line)
    }

    /// Keeps `bytes`; false aborts the transfer (the reason is in `failure`).
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !checkedResponse {
            checkedResponse = true
            guard acceptResponse() else { return false }
            let length = curl?.contentLength()
            progress.update(done: size, total: expectedSize ?? length.map { $0 + size })
        }
        if let expectedSize, size + Int64(bytes.count) > expectedSize {
            let announced = curl?.contentLength().map { $0 + requestedFrom } ?? 0
            failure = .tooLarge(announced: max(announced, size + Int64(bytes.count)))
            return false
        }
        guard var base = bytes.baseAddress else { return true }
        var left = bytes.count
        while left > 0 {
            let written = write(fd, base, left)
            if written < 0 {
                if errno == EINTR { continue }
                failure = .write(errno)
                return false
            }
            base += written
            left -= written
        }
        hasher.update(bytes)
        size += Int64(bytes.count)
        progress.update(done: size, total: nil)
        return true
    }

    /// A resumed request must be answered with 206 and exactly our range; a
    /// 200 means the server ignored Range: start the file over.
    private func acceptResponse() -> Bool {
        guard requestedFrom > 0, let curl else { return true }
        let code = curl.responseCode()
        if code == 200 {
            do { try reset() } catch {
                failure = .write(errno)
                return false
            }
            restarted = true
            return true
        }
        guard code == 206 else { return true }
        let range = headers.first { $0.lowercased().hasPrefix("content-range:") } ?? ""
        guard let parsed = ContentRange(header: range), parsed.first == requestedFrom,
              expectedSize == nil || parsed.total == nil || parsed.total == expectedSize else {
            failure = .rangeMismatch("asked for bytes \(requestedFrom)- but the server sent \(range.isEmpty ? "no Content-Range" : range.trimmed)")
            return false
        }
        return true
    }
}

/// `Content-Range: bytes FIRST-LAST/TOTAL` (TOTAL may be `*`).
struct ContentRange: Equatable {
    var first: Int64
    var last: Int64
    var total: Int64?

    init?(header: String) {
        guard let colon = header.firstIndex(of: ":") else { return nil }
        let value = header[header.index(after: colon)...].trimmed
        guard value.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = value.dropFirst("bytes ".count)
        let parts = spec.split(separator: "/", maxSplits: 1)
        let bounds = parts.first?.split(separator: "-", maxSplits: 1) ?? []
        guard parts.count == 2, bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]),
              first <= last else { return nil }
        self.first = first
        self.last = last
        if parts[1] == "*" {
            total = nil
        } else if let total = Int64(parts[1]), total > last {
            self.total = total
        } else {
            return nil
        }
    }
}

extension StringProtocol {
    var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
