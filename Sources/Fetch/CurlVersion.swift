import CCurl

/// The libcurl this build downloads with, for `dotslash version`.
public enum CurlLibrary {
    public static var version: String {
        curl_version().map { String(cString: $0) } ?? "libcurl"
    }
}
