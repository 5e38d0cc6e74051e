/* SPDX-License-Identifier: MIT */
/* http_tls.c - one place for the TLS and protocol settings of every
 * libcurl handle p11seal opens, so no client can forget verification. */
#include "http_tls.h"

#include <string.h>

/* Low-speed guard: under 16 bytes/s for a third of the timeout aborts a
 * trickling server well before the overall timeout. */
enum err http_tls_setup(CURL *c, const char *cacert, long connect_timeout_ms,
                        long timeout_ms)
{
	long slow_s = timeout_ms / 3000 > 1 ? timeout_ms / 3000 : 1;
	const char *capath = NULL;
	CURLcode rc = CURLE_OK;

	curl_easy_getinfo(c, CURLINFO_CAPATH, &capath);
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                       connect_timeout_ms);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 16L);
	rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, slow_s);
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT,
	                       "p11seal/" P11SEAL_VERSION);
	if (cacert) {
		/* CAINFO replaces the bundle; the built-in CA directory stays,
		 * so --cacert adds anchors to the system ones. */
		rc |= curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
		if (capath)
			rc |= curl_easy_setopt(c, CURLOPT_CAPATH, capath);
	}
	if (rc != CURLE_OK)
		return err_set(ERR_HTTP, "libcurl lacks a required option "
		                         "(https-only, TLS 1.2)");
	return ERR_OK;
}

const char *http_tls_hint(const char *msg)
{
	if (strstr(msg, "expired"))
		return "the server certificate has expired";
	if (strstr(msg, "not yet valid"))
		return "the server certificate is not valid yet (clock?)";
	if (strstr(msg, "subject name") || strstr(msg, "does not match"))
		return "the server certificate does not match the host name";
	if (strstr(msg, "local issuer") || strstr(msg, "self-signed") ||
	    strstr(msg, "self signed"))
		return "the server certificate is not signed by a trusted CA "
		       "(use --cacert FILE)";
	return "TLS certificate verification failed";
}
