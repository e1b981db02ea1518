/* curl_easy_setopt and curl_easy_getinfo are variadic; Swift needs one
   typed entry point per argument kind. */
#ifndef DOTSLASH_CCURLSHIM_H
#define DOTSLASH_CCURLSHIM_H

#include <curl/curl.h>

typedef size_t (*ds_curl_data_callback)(char *data, size_t size, size_t count, void *user);
typedef int (*ds_curl_progress_callback)(void *user, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);

CURLcode ds_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode ds_curl_setopt_offset(CURL *curl, CURLoption option, curl_off_t value);
CURLcode ds_curl_setopt_string(CURL *curl, CURLoption option, const char *value);
CURLcode ds_curl_setopt_pointer(CURL *curl, CURLoption option, void *value);
CURLcode ds_curl_setopt_data_callback(CURL *curl, CURLoption option, ds_curl_data_callback fn);
CURLcode ds_curl_setopt_progress_callback(CURL *curl, ds_curl_progress_callback fn);

CURLcode ds_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);
CURLcode ds_curl_getinfo_offset(CURL *curl, CURLINFO info, curl_off_t *value);
CURLcode ds_curl_getinfo_string(CURL *curl, CURLINFO info, const char **value);

#endif
