import CCurl
import CCurlShim

/// One libcurl easy handle, freed with the value. curl_global_init runs
/// once per process, before the first handle.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// libcurl writes its detailed message for the last failure here.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Request headers; libcurl keeps the pointer, so they live as long as the handle.
    private var headerList: UnsafeMutablePointer<curl_slist>?

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init() throws {
        guard Self.globalInit == CURLE_OK, let handle = curl_easy_init() else {
            throw CurlSetupError(detail: "libcurl could not be initialised")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// What every request of dotslash shares: the URL and the protocols it
    /// may use, bounded redirects (never to file:), the timeouts and limits
    /// of `options`, no signals (libcurl runs in threads that may not take them).
    func configure(url: String, protocols: String, options: DownloadOptions) throws {
        try set(CURLOPT_URL, url)
        try set(CURLOPT_PROTOCOLS_STR, protocols)
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 1)
        try set(CURLOPT_MAXREDIRS, options.maxRedirects)
        try set(CURLOPT_CONNECTTIMEOUT, options.connectTimeout)
        try set(CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimit)
        try set(CURLOPT_LOW_SPEED_TIME, options.lowSpeedTime)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_USERAGENT, options.userAgent)
    }

    /// Extra request headers, each "Name: value".
    func setHeaders(_ headers: [String]) throws {
        for header in headers {
            guard let list = curl_slist_append(headerList, header) else {
                throw CurlSetupError(detail: "libcurl is out of memory")
            }
            headerList = list
        }
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(ds_curl_setopt_long(handle, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws {
        // libcurl copies string options.
        try check(ds_curl_setopt_string(handle, option, value), option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(ds_curl_setopt_pointer(handle, option, pointer), option)
    }

    func set(_ option: CURLoption, callback: ds_curl_data_callback) throws {
        try check(ds_curl_setopt_data_callback(handle, option, callback), option)
    }

    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(handle)
    }

    func responseCode() -> Int {
        var code = 0
        _ = ds_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    func effectiveURL() -> String? {
        var value: UnsafePointer<CChar>?
        guard ds_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    func contentLength() -> Int64? {
        var length: curl_off_t = -1
        guard ds_curl_getinfo_offset(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK, length >= 0 else {
            return nil
        }
        return Int64(length)
    }

    /// libcurl's message for `code`, with the detailed one when it wrote one.
    func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        if !detail.isEmpty { return detail }
        return String(cString: curl_easy_strerror(code))
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        if code != CURLE_OK {
            throw CurlSetupError(detail: "libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// libcurl itself is unusable (out of memory, or too old for an option).
struct CurlSetupError: Error, CustomStringConvertible {
    var detail: String
    var description: String { detail }
}
