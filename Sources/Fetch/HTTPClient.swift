import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// GET requests whose answer is kept in memory: registry manifests, token
/// endpoints, small JSON documents. Unlike `Downloader` it returns every
/// HTTP status to the caller (a registry's 401 carries the challenge the
/// caller must answer) and stores nothing. Connection failures, timeouts and
/// HTTP 408/429/5xx are retried with the same limits and backoff as
/// downloads.
public final class HTTPClient {
    public let options: DownloadOptions
    private let sleeper: (Double) -> Void

    public init(options: DownloadOptions = DownloadOptions(), sleep: @escaping (Double) -> Void = Downloader.sleep) {
        self.options = options
        self.sleeper = sleep
    }

    /// GETs `url` with extra header lines. A body longer than `maxBytes` is
    /// an error (documents, not downloads, come through here).
    public func get(_ url: String, headers: [String] = [], maxBytes: Int = 4 << 20) throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try once(url, headers: headers, maxBytes: maxBytes)
                let retryable = response.status == 408 || response.status == 429 || (500...599).contains(response.status)
                if !retryable || attempt >= options.maxAttempts { return response }
            } catch var failure as FetchError where failure.isTransient {
                if attempt >= options.maxAttempts {
                    failure.attempts = attempt
                    throw failure
                }
            }
            sleeper(options.delay(afterAttempt: attempt))
        }
    }

    private func once(_ url: String, headers: [String], maxBytes: Int) throws -> HTTPResponse {
        let curl: CurlEasy
        do {
            curl = try CurlEasy()
            try curl.configure(url: url, protocols: "http,https", options: options)
            try curl.set(CURLOPT_ACCEPT_ENCODING, "")
            try curl.set(CURLOPT_WRITEFUNCTION, callback: { data, size, count, user in
                guard let user else { return 0 }
                let sink = Unmanaged<MemorySink>.fromOpaque(user).takeUnretainedValue()
                return sink.receive(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
            })
            try curl.set(CURLOPT_HEADERFUNCTION, callback: { data, size, count, user in
                guard let user, let data else { return 0 }
                let sink = Unmanaged<MemorySink>.fromOpaque(user).takeUnretainedValue()
                sink.header(String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self))
                return size * count
            })
        } catch {
            throw FetchError(url: url, step: .transfer, detail: "\(error)", hint: "libcurl 7.85 or newer is needed")
        }
        let sink = MemorySink(limit: maxBytes)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try? curl.set(CURLOPT_WRITEDATA, pointer: context)
        try? curl.set(CURLOPT_HEADERDATA, pointer: context)
        if !headers.isEmpty {
            do {
                try curl.setHeaders(headers)
            } catch {
                throw FetchError(url: url, step: .transfer, detail: "\(error)", hint: "libcurl is out of memory")
            }
        }
        let code = withExtendedLifetime(sink) { curl.perform() }
        guard code == CURLE_OK else { throw failure(code, curl: curl, url: url, sink: sink) }
        return HTTPResponse(url: url, effectiveURL: curl.effectiveURL() ?? url, status: curl.responseCode(),
                            headers: sink.headers, body: sink.body)
    }

    private func failure(_ code: CURLcode, curl: CurlEasy, url: String, sink: MemorySink) -> FetchError {
        let message = curl.message(for: code)
        switch code {
        case CURLE_WRITE_ERROR where sink.overflowed:
            return FetchError(url: url, step: .size(expected: Int64(sink.limit), actual: Int64(sink.body.count)),
                              detail: "the answer is larger than \(sink.limit) bytes", hint: "this URL does not serve a small document")
        case CURLE_COULDNT_CONNECT:
            return FetchError(url: url, step: .connect, detail: message, hint: "check the host, the port and any proxy settings")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return FetchError(url: url, step: .connect, detail: message, hint: "check the host name and the DNS configuration")
        case CURLE_OPERATION_TIMEDOUT:
            return FetchError(url: url, step: .timeout, detail: message,
                              hint: "the server is unreachable or too slow; DOTSLASH_CONNECT_TIMEOUT sets the limit")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return FetchError(url: url, step: .tls, detail: message,
                              hint: "the server's certificate is not trusted by the system CA store (package ca-certificates)")
        case CURLE_TOO_MANY_REDIRECTS:
            return FetchError(url: url, step: .redirect, detail: message, hint: "the server redirects in a circle")
        case CURLE_UNSUPPORTED_PROTOCOL:
            return FetchError(url: url, step: .redirect, detail: message, hint: "only http and https are spoken here")
        default:
            return FetchError(url: url, step: .transfer, detail: message, hint: "the connection failed; try again")
        }
    }
}

extension FetchError {
    /// Failures a later attempt may not meet: the network, not the request.
    var isTransient: Bool {
        switch step {
        case .connect: return !detail.lowercased().contains("resolve")
        case .timeout, .transfer: return true
        default: return false
        }
    }
}

/// Collects one in-memory response, refusing to grow beyond `limit`.
private final class MemorySink {
    let limit: Int
    private(set) var body: [UInt8] = []
    private(set) var headers: [HTTPResponse.Header] = []
    private(set) var overflowed = false

    init(limit: Int) { self.limit = limit }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Each response of a redirect chain starts with its status line: keep the last one's headers.
    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = []
        } else if let header = HTTPResponse.parseHeader(line) {
            headers.append(header)
        }
    }
}
