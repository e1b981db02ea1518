#include "CCurlShim.h"

CURLcode ds_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ds_curl_setopt_offset(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ds_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ds_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
CURLcode ds_curl_setopt_data_callback(CURL *curl, CURLoption option, ds_curl_data_callback fn) {
    return curl_easy_setopt(curl, option, fn);
}
CURLcode ds_curl_setopt_progress_callback(CURL *curl, ds_curl_progress_callback fn) {
    return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, fn);
}
CURLcode ds_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
CURLcode ds_curl_getinfo_offset(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}
CURLcode ds_curl_getinfo_string(CURL *curl, CURLINFO info, const char **value) {
    return curl_easy_getinfo(curl, info, value);
}
