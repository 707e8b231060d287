/*
 * Signed JSON POSTs to the operator's endpoints (see webhook.h and
 * docs/notify.md).
 *
 * The signature covers "<t>.<body>" so that a captured request cannot be
 * replayed later with a new timestamp, and the body cannot be changed
 * without the secret.  The scheme is the one most webhook receivers
 * already know how to check (a timestamp and a versioned HMAC in one
 * header), so a pager gateway needs a few lines to verify it.
 */
#include <nettle/hmac.h>
#include <sodium.h>

#include <curl/curl.h>

#include "notify/smtp.h"
#include "notify/webhook.h"
#include "util/util.h"

#define TIMEOUT_DEFAULT_MS 10000L
#define URL_MAX            2048
#define SNIPPET_MAX        200

void
px_webhook_signature(char out[PX_WEBHOOK_SIG_MAX], const char *secret,
    int64_t t, const void *body, size_t len)
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	char ts[24], hex[2 * SHA256_DIGEST_SIZE + 1];
	int n = snprintf(ts, sizeof(ts), "%lld.", (long long)t);

	hmac_sha256_set_key(&ctx, strlen(secret), (const uint8_t *)secret);
	hmac_sha256_update(&ctx, (size_t)n, (const uint8_t *)ts);
	hmac_sha256_update(&ctx, len, body);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	sodium_memzero(&ctx, sizeof(ctx));
	px_hex_encode(hex, mac, sizeof(mac));
	snprintf(out, PX_WEBHOOK_SIG_MAX, "t=%lld,v1=%s", (long long)t, hex);
}

int
px_webhook_url_check(const char *url, const char *what)
{
	size_t skip;

	if (url == NULL || *url == '\0')
		return px_error_set(PX_EINVAL, "%s is empty", what);
	if (strncmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return px_error_set(PX_EINVAL,
		    "%s '%.80s' does not start with http:// or https://", what,
		    url);
	if (strlen(url) > URL_MAX)
		return px_error_set(PX_EINVAL,
		    "%s is longer than %d characters", what, URL_MAX);
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return px_error_set(PX_EINVAL,
			    "%s contains a space, a control character or a "
			    "non-ASCII byte (percent-encode it)",
			    what);
	if (url[skip] == '\0' || strchr("/?#", url[skip]))
		return px_error_set(
		    PX_EINVAL, "%s '%.80s' names no host", what, url);
	return 0;
}

struct answer {
	char text[SNIPPET_MAX + 1];
	size_t len;
};

/* Keeps the start of the answer (for the error message), printable
 * ASCII only, and discards the rest. */
static size_t
on_body(char *buf, size_t size, size_t nitems, void *ud)
{
	struct answer *a = ud;
	size_t n = size * nitems;

	for (size_t i = 0; i < n && a->len < SNIPPET_MAX; i++) {
		unsigned char c = (unsigned char)buf[i];

		a->text[a->len++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
	}
	a->text[a->len] = '\0';
	return n;
}

static struct curl_slist *
header(struct curl_slist *l, const char *fmt, const char *v)
{
	char *line = px_asprintf(fmt, v);
	struct curl_slist *n = curl_slist_append(l, line);

	free(line);
	if (n == NULL)
		abort(); /* only allocation fails here */
	return n;
}

int
px_webhook_post(const struct px_webhook *w, long *status)
{
	struct curl_slist *hdrs = NULL;
	struct answer ans = { .len = 0 };
	char errbuf[CURL_ERROR_SIZE] = "", sig[PX_WEBHOOK_SIG_MAX];
	long timeout = w->timeout_ms > 0 ? w->timeout_ms : TIMEOUT_DEFAULT_MS;
	long code = 0;
	const char *bad = NULL;
	CURL *h = NULL;
	CURLcode e = CURLE_OK;
	size_t elen = w->event ? strlen(w->event) : 0;
	int rc;

	if (status)
		*status = 0;
	if ((rc = px_webhook_url_check(w->url, "the webhook URL")) < 0)
		return rc;
	if (elen == 0 || elen > 64 ||
	    strspn(w->event, "abcdefghijklmnopqrstuvwxyz0123456789._-") != elen)
		return px_error_set(PX_EINVAL,
		    "webhook event '%.64s' is not lowercase letters, digits, "
		    "'.', '_' and '-'",
		    w->event ? w->event : "");
	if ((rc = px_notify_curl_new(&h, "http,https", timeout, errbuf)) < 0)
		return rc;
	hdrs = header(hdrs, "%s", "Content-Type: application/json");
	hdrs = header(hdrs, "User-Agent: parley/%s", PX_VERSION);
	hdrs = header(hdrs, "X-Parley-Event: %s", w->event);
	/* No "Expect: 100-continue" round trip for a small body. */
	hdrs = header(hdrs, "%s", "Expect:");
	if (w->secret && *w->secret) {
		px_webhook_signature(
		    sig, w->secret, w->time_s, w->body, w->len);
		hdrs = header(hdrs, "X-Parley-Signature: %s", sig);
	}

#define OPT(o, v)                                                         \
	if (e == CURLE_OK && (e = curl_easy_setopt(h, o, v)) != CURLE_OK) \
	bad = #o
	OPT(CURLOPT_URL, w->url);
	OPT(CURLOPT_FOLLOWLOCATION, 0L);
	OPT(CURLOPT_HTTPHEADER, hdrs);
	OPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->len);
	OPT(CURLOPT_POSTFIELDS, w->body);
	OPT(CURLOPT_WRITEFUNCTION, on_body);
	OPT(CURLOPT_WRITEDATA, &ans);
#undef OPT
	if (e != CURLE_OK) {
		rc = px_error_set(PX_ERR, "libcurl refused %s: %s", bad,
		    curl_easy_strerror(e));
	} else if ((e = curl_easy_perform(h)) != CURLE_OK) {
		rc = px_error_set(PX_ERR, "webhook %s: %s", w->url,
		    errbuf[0] ? errbuf : curl_easy_strerror(e));
	}
	if (e != CURLE_OK)
		goto out;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (status)
		*status = code;
	if (code < 200 || code > 299) {
		rc = px_error_set(PX_ERR, "webhook %s answered HTTP %ld%s%s",
		    w->url, code, ans.len ? ": " : "", ans.text);
		goto out;
	}
	rc = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return rc;
}
