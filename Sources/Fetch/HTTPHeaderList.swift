import CCurl

/// Extra request header lines ("Name: value") as the curl_slist that
/// CURLOPT_HTTPHEADER wants. libcurl does not copy the list, so it must live
/// until the transfer is over; freed with the value.
///
/// libcurl sends such headers only to the host of the original URL: an
/// `Authorization` line is not passed on to a CDN a registry redirects to.
final class HTTPHeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines {
            // curl_slist_append copies the string; on failure the old list is kept.
            if let extended = curl_slist_append(pointer, line) { pointer = extended }
        }
    }

    /// Sets the list on `curl` (nothing when it is empty).
    func apply(to curl: CurlEasy) throws {
        guard let pointer else { return }
        try curl.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(pointer))
    }

    deinit { curl_slist_free_all(pointer) }
}
