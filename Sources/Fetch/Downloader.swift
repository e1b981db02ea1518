import CCurl
import DotslashDigest
import DotslashStore
#if canImport(Glibc)
import Glibc
#endif

/// Downloads a URL (http, https with the system CA store, file) into the
/// store's blobs, verified against its SHA-256 while it streams.
///
/// The bytes go to `tmp/download-<hex>.partial`; only a complete file with
/// the right digest (and size, when given) is renamed to
/// `blobs/sha256/<hex>`. Connection errors, timeouts and HTTP 408/429/5xx
/// are retried with exponential backoff, each retry resuming with a Range
/// request; HTTP 4xx is not retried. A partial file left by an interrupted
/// run is re-hashed and resumed the same way. Call with the store lock held.
public final class Downloader {
    public let options: DownloadOptions
    public let progress: ProgressReporter
    /// Waits between attempts; tests may shorten it.
    private let sleeper: (Double) -> Void

    public init(options: DownloadOptions = DownloadOptions(), progress: ProgressReporter = SilentProgress(),
                sleep: @escaping (Double) -> Void = Downloader.sleep) {
        self.options = options
        self.progress = progress
        self.sleeper = sleep
    }

    public static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var delay = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&delay, &remaining) != 0 && errno == EINTR { delay = remaining }
    }

    /// Returns the path of the verified blob; downloads it unless the store
    /// already holds it.
    ///
    /// `headers` are extra request headers ("Authorization: Bearer ..." for
    /// a registry); libcurl does not send them on to another host when the
    /// server redirects.
    @discardableResult
    public func fetch(url: String, expectedSHA256: Digest, expectedSize: Int64? = nil, headers: [String] = [],
                      into state: StateDirectory) throws -> String {
        let blobs = BlobStore(state: state)
        if try blobs.contains(expectedSHA256, size: expectedSize) { return blobs.path(for: expectedSHA256) }

        let partial = blobs.partialDownloadPath(for: expectedSHA256)
        let fd = try openPartial(partial, url: url)
        var closed = false
        defer { if !closed { close(fd) } }

        let title = "download \(Self.displayName(url))"
        progress.start(title, total: expectedSize)
        let started = ContinuousClock.now
        do {
            let size = try download(url: url, to: partial, fd: fd, expectedSHA256: expectedSHA256,
                                    expectedSize: expectedSize, headers: headers)
            close(fd)
            closed = true
            let path = try blobs.publish(temporaryFile: partial, as: expectedSHA256)
            let seconds = ByteFormat.seconds(ContinuousClock.now - started)
            let rate = seconds > 0 ? " (\(ByteFormat.size(Int64(Double(size) / seconds)))/s)" : ""
            progress.finish("\(ByteFormat.size(size)) in \(ByteFormat.oneDecimal(seconds))s\(rate), sha256 verified")
            return path
        } catch {
            // Ends the progress line, so the caller's error starts on a line of its own.
            progress.finish("failed")
            throw error
        }
    }

    /// Streams the URL into the partial file and verifies it; returns its size.
    private func download(url: String, to partial: String, fd: Int32, expectedSHA256: Digest,
                          expectedSize: Int64?, headers: [String]) throws -> Int64 {
        let (sink, complete) = try resumeState(fd: fd, path: partial, url: url, expectedSHA256: expectedSHA256,
                                               expectedSize: expectedSize)
        if !complete { try transferWithRetries(url: url, sink: sink, headers: headers) }

        var hasher = sink.hasher
        let actual = hasher.finalize()
        if let expectedSize, sink.size != expectedSize {
            unlink(partial)
            throw FetchError(url: url, step: .size(expected: expectedSize, actual: sink.size),
                             detail: "expected \(expectedSize) bytes, got \(sink.size); the download was deleted",
                             hint: "the file at the URL changed, or rootfs.size in the manifest is wrong")
        }
        guard actual == expectedSHA256 else {
            unlink(partial)
            throw FetchError.digestMismatch(url: url, expected: expectedSHA256, actual: actual)
        }
        return sink.size
    }

    private func openPartial(_ partial: String, url: String) throws -> Int32 {
        let fd = open(partial, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        if fd < 0 {
            throw FetchError(url: url, step: .write, detail: "cannot open \(partial): \(String(cString: strerror(errno)))",
                             hint: "check that the state directory exists and is writable (dotslash creates it)")
        }
        return fd
    }

    /// Picks up what an earlier run left. The partial file is re-hashed so
    /// the digest still covers every byte: if it is already the whole file
    /// (a run that died just before publishing) no request is needed; over
    /// HTTP the rest is asked for with Range; anything else starts over.
    private func resumeState(fd: Int32, path: String, url: String, expectedSHA256: Digest,
                             expectedSize: Int64?) throws -> (sink: TransferSink, complete: Bool) {
        var info = stat()
        fstat(fd, &info)
        var hasher = SHA256()
        var size = Int64(info.st_size)
        var usable = size > 0 && expectedSize.map { size <= $0 } ?? true
        if usable {
            do {
                size = try BlobStore.hash(file: path, into: &hasher)
            } catch {
                throw FetchError(url: url, step: .write, detail: "cannot re-read \(path): \(error)",
                                 hint: "remove the file and fetch again")
            }
            var fork = hasher
            if fork.finalize() == expectedSHA256 && expectedSize.map({ size == $0 }) ?? true {
                let sink = TransferSink(fd: fd, path: path, hasher: hasher, size: size,
                                        expectedSize: expectedSize, progress: progress)
                return (sink, true)
            }
            usable = Self.isHTTP(url) && expectedSize.map { size < $0 } ?? true
        }
        let sink = TransferSink(fd: fd, path: path, hasher: usable ? hasher : SHA256(), size: usable ? size : 0,
                                expectedSize: expectedSize, progress: progress)
        if !usable && info.st_size > 0 { try sink.reset() }
        return (sink, false)
    }

    private func transferWithRetries(url: String, sink: TransferSink, headers: [String]) throws {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = try transfer(url: url, sink: sink, headers: headers)
            guard case .retry(var failure, let startOver) = outcome else { return }
            if startOver { try sink.reset() }
            if attempt >= options.maxAttempts {
                failure.attempts = attempt
                throw failure
            }
            let delay = options.delay(afterAttempt: attempt)
            progress.note("\(failure.step) error for \(url): \(failure.detail); retrying in \(ByteFormat.oneDecimal(delay))s (attempt \(attempt + 1) of \(options.maxAttempts))")
            sleeper(delay)
        }
    }

    private enum Outcome {
        case complete
        /// A transient failure; `startOver` drops the partial file first.
        case retry(FetchError, startOver: Bool)
    }

    /// One request. Throws for failures that a retry can't fix.
    private func transfer(url: String, sink: TransferSink, headers: [String]) throws -> Outcome {
        let curl: CurlEasy
        do {
            curl = try CurlEasy()
            try configure(curl, url: url, sink: sink)
            if !headers.isEmpty { try curl.setHeaders(headers) }
        } catch {
            throw FetchError(url: url, step: .transfer, detail: "\(error)", hint: "libcurl 7.85 or newer is needed")
        }
        let resumeFrom = sink.size
        sink.beginAttempt(curl: curl, requestedFrom: resumeFrom)
        if resumeFrom > 0 { try? curl.set(CURLOPT_RANGE, "\(resumeFrom)-") }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try? curl.set(CURLOPT_WRITEDATA, pointer: context)
        try? curl.set(CURLOPT_HEADERDATA, pointer: context)
        let code = withExtendedLifetime(sink) { curl.perform() }
        return try classify(code, curl: curl, url: url, sink: sink)
    }

    private func configure(_ curl: CurlEasy, url: String, sink: TransferSink) throws {
        try curl.configure(url: url, protocols: "http,https,file", options: options)
        try curl.set(CURLOPT_FAILONERROR, 1)
        try curl.set(CURLOPT_BUFFERSIZE, 512 * 1024)
        try curl.set(CURLOPT_WRITEFUNCTION, callback: { data, size, count, user in
            guard let user else { return 0 }
            let sink = Unmanaged<TransferSink>.fromOpaque(user).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            return sink.receive(bytes) ? size * count : 0
        })
        try curl.set(CURLOPT_HEADERFUNCTION, callback: { data, size, count, user in
            guard let user, let data else { return 0 }
            let sink = Unmanaged<TransferSink>.fromOpaque(user).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            sink.header(String(decoding: bytes, as: UTF8.self))
            return size * count
        })
    }

    private func classify(_ code: CURLcode, curl: CurlEasy, url: String, sink: TransferSink) throws -> Outcome {
        let message = curl.message(for: code)
        let redirected = curl.effectiveURL().flatMap { $0 == url ? nil : " (redirected to \($0))" } ?? ""
        func failure(_ step: FetchError.Step, _ detail: String, _ hint: String) -> FetchError {
            FetchError(url: url, step: step, detail: detail + redirected, hint: hint)
        }
        switch code {
        case CURLE_OK:
            let status = curl.responseCode()
            if Self.isHTTP(url) && !(200...299).contains(status) {
                throw failure(.httpStatus(status), "unexpected response", "the server did not send the file")
            }
            return .complete
        case CURLE_HTTP_RETURNED_ERROR:
            let status = curl.responseCode()
            if status == 416 && sink.requestedFrom > 0 {
                return .retry(failure(.httpStatus(status), "the server refused to resume", "the download starts over"),
                              startOver: true)
            }
            if status == 408 || status == 429 || (500...599).contains(status) {
                return .retry(failure(.httpStatus(status), "server error", "the server is failing; try again later"),
                              startOver: false)
            }
            let hint = status == 404 || status == 410
                ? "the file is not at this URL; check rootfs.url in the manifest"
                : "the server refused the request; check rootfs.url and any proxy settings"
            throw failure(.httpStatus(status), "not retried: \(message)", hint)
        case CURLE_COULDNT_CONNECT:
            return .retry(failure(.connect, message, "check the host, the port and any proxy settings"), startOver: false)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            throw failure(.connect, message, "check the host name in rootfs.url and the DNS configuration")
        case CURLE_OPERATION_TIMEDOUT:
            return .retry(failure(.timeout, message,
                                  "the server is unreachable or too slow; DOTSLASH_CONNECT_TIMEOUT, DOTSLASH_LOW_SPEED_LIMIT and DOTSLASH_LOW_SPEED_TIME set the limits"),
                          startOver: false)
        case CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR:
            return .retry(failure(.transfer, "connection closed early: \(message)",
                                  "the server or the network dropped the connection; fetch again to resume"),
                          startOver: false)
        case CURLE_TOO_MANY_REDIRECTS:
            throw failure(.redirect, "more than \(options.maxRedirects) redirects (a redirect loop?): \(message)",
                          "check rootfs.url; the server redirects in a circle")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            throw failure(.tls, message, "the server's certificate is not trusted by the system CA store (package ca-certificates)")
        case CURLE_FILE_COULDNT_READ_FILE, CURLE_READ_ERROR:
            throw failure(.read, message, "check the path in rootfs.url and that it is readable")
        case CURLE_WRITE_ERROR:
            return try classifyWriteFailure(sink, failure: failure)
        case CURLE_UNSUPPORTED_PROTOCOL:
            throw failure(.redirect, message, "only http, https and file URLs are fetched, and redirects only to http and https")
        default:
            throw failure(.transfer, message, "see the libcurl message; fetch again to resume")
        }
    }

    private func classifyWriteFailure(_ sink: TransferSink,
                                      failure: (FetchError.Step, String, String) -> FetchError) throws -> Outcome {
        switch sink.failure {
        case .rangeMismatch(let detail):
            return .retry(failure(.transfer, detail, "the download starts over"), startOver: true)
        case .tooLarge(let announced):
            let expected = sink.expectedSize ?? 0
            unlink(sink.path)
            throw failure(.size(expected: expected, actual: announced),
                          "expected \(expected) bytes, the server sends \(announced); the download was deleted",
                          "the file at the URL changed, or the expected size is wrong")
        case .write(let code):
            throw failure(.write, "writing the download: \(String(cString: strerror(code)))",
                          "check free space and permissions under the state directory")
        case nil:
            throw failure(.write, "the download was aborted while writing", "fetch again")
        }
    }

    static func isHTTP(_ url: String) -> Bool {
        let lower = url.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// The last path component of a URL, for progress lines.
    static func displayName(_ url: String) -> String {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return path.split(separator: "/").last.map(String.init) ?? url
    }
}
