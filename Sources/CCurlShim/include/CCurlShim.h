// ragsync — CCurlShim: typed, non-variadic wrappers around libcurl's variadic setopt/getinfo.
//
// Swift cannot call C functions with variable arguments, so each argument kind curl_easy_setopt and
// curl_easy_getinfo accept gets one function here (as in swift-corelibs-foundation CFURLSessionInterface.c).

#ifndef RAGSYNC_CCURLSHIM_H
#define RAGSYNC_CCURLSHIM_H

#include <curl/curl.h>
#include <stddef.h>

/// A CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION callback.
typedef size_t (*ragsync_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

/// A CURLOPT_XFERINFOFUNCTION callback; returning non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
typedef int (*ragsync_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                              curl_off_t ultotal, curl_off_t ulnow);

/// A CURLOPT_SOCKOPTFUNCTION callback, called with each new socket; CURL_SOCKOPT_ERROR aborts the connection.
typedef int (*ragsync_curl_sockopt_callback)(void *userdata, curl_socket_t socket, curlsocktype purpose);

/// A CURLOPT_CLOSESOCKETFUNCTION callback; it must close the socket.
typedef int (*ragsync_curl_closesocket_callback)(void *userdata, curl_socket_t socket);

/// curl_easy_setopt with a `long` argument (CURLOPT_NOSIGNAL, CURLOPT_TIMEOUT_MS, CURLOPT_POST, ...).
CURLcode ragsync_curl_setopt_long(CURL *handle, CURLoption option, long value);
/// curl_easy_setopt with a string argument (CURLOPT_URL, ...); curl copies the string.
CURLcode ragsync_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
/// curl_easy_setopt with a pointer argument (CURLOPT_WRITEDATA, CURLOPT_ERRORBUFFER, CURLOPT_POSTFIELDS, ...).
CURLcode ragsync_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// curl_easy_setopt with a `struct curl_slist *` argument (CURLOPT_HTTPHEADER).
CURLcode ragsync_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// curl_easy_setopt with a `curl_off_t` argument (CURLOPT_POSTFIELDSIZE_LARGE).
CURLcode ragsync_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// Sets CURLOPT_WRITEFUNCTION.
CURLcode ragsync_curl_setopt_write_callback(CURL *handle, ragsync_curl_data_callback callback);
/// Sets CURLOPT_HEADERFUNCTION.
CURLcode ragsync_curl_setopt_header_callback(CURL *handle, ragsync_curl_data_callback callback);
/// Sets CURLOPT_XFERINFOFUNCTION (also needs CURLOPT_NOPROGRESS 0).
CURLcode ragsync_curl_setopt_xferinfo_callback(CURL *handle, ragsync_curl_xferinfo_callback callback);
/// Sets CURLOPT_SOCKOPTFUNCTION.
CURLcode ragsync_curl_setopt_sockopt_callback(CURL *handle, ragsync_curl_sockopt_callback callback);
/// Sets CURLOPT_CLOSESOCKETFUNCTION.
CURLcode ragsync_curl_setopt_closesocket_callback(CURL *handle, ragsync_curl_closesocket_callback callback);
/// curl_easy_getinfo with a `long *` argument (CURLINFO_RESPONSE_CODE, ...).
CURLcode ragsync_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
