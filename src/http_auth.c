/* Staff sign-in and form tokens. A staff token is accepted as "Authorization:
 * Bearer TOKEN" or as the password of HTTP Basic (any user name), so that a
 * browser's own sign-in prompt works; store_staff_check says whose it is.
 * Forms that change something carry a token bound to the staff member and
 * the certificate, since a browser sends Basic credentials on cross-site
 * form posts too. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "codec.h"
#include "http_int.h"
#include "banned.h"

#define TOKEN_MAX 256 /* bytes of a presented token */

static const char *const basic_challenge[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                              "Basic realm=\"certifica\", charset=\"UTF-8\"", NULL};

/* ---- sign-in ---- */

/* The token in the Authorization header, Bearer or Basic password, copied
 * into tok; 0, or -1 when there is none. The Basic user name may be as long
 * as the header allows: it is not used. */
static int presented_token(struct http_request *rq, char tok[TOKEN_MAX])
{
    const char *a = http_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
    char *pair, *colon;
    size_t n, cap;
    long len;
    int rc = -1;
    if (!a)
        return -1;
    if (!strncasecmp(a, "Bearer ", 7)) {
        for (a += 7; *a == ' '; a++)
            ;
        n = strcspn(a, " \t");
        if (n == 0 || n >= TOKEN_MAX)
            return -1;
        memcpy(tok, a, n);
        tok[n] = '\0';
        return 0;
    }
    if (strncasecmp(a, "Basic ", 6) != 0)
        return -1;
    for (a += 6; *a == ' '; a++)
        ;
    cap = strlen(a) / 4 * 3 + 4;
    pair = xmalloc(cap);
    len = codec_b64_decode(CODEC_B64_STD, a, strlen(a), pair, cap);
    if (len >= 0 && (colon = memchr(pair, ':', (size_t)len)) != NULL) {
        n = (size_t)len - (size_t)(colon + 1 - pair);
        if (n > 0 && n < TOKEN_MAX && !memchr(colon + 1, '\0', n)) {
            memcpy(tok, colon + 1, n);
            tok[n] = '\0';
            rc = 0;
        }
    }
    memset(pair, 0, cap);
    free(pair);
    return rc;
}

int http_staff_begin(struct http_request *rq)
{
    struct store *st = issue_store(rq->opt->issue);
    struct http_throttle_verdict v;
    char tok[TOKEN_MAX], name[64], err[256];
    int rc = 1;
    if (presented_token(rq, tok) == 0) {
        rc = store_staff_check_in(st, tok, name, &rq->scope, err, sizeof(err));
        memset(tok, 0, sizeof(tok));
    }
    if (rc == 0) {
        snprintf(rq->staff, sizeof(rq->staff), "%s", name);
        return 0;
    }
    if (rc < 0) {
        snprintf(rq->error, sizeof(rq->error), "staff check: %s", err);
        return http_reply_problem(rq, MHD_HTTP_SERVICE_UNAVAILABLE, 0, H_ERROR_TITLE, H_ERROR_TEXT,
                                  "cannot check credentials now", NULL);
    }
    if (rq->staff_fails) {
        http_throttle_fail(rq->staff_fails, rq->peer_key, rq->peer_group, &v);
        if (v.limited) {
            char retry[16], msg[128];
            const char *h[] = {MHD_HTTP_HEADER_RETRY_AFTER, retry, NULL};
            snprintf(retry, sizeof(retry), "%u", v.retry_after);
            snprintf(msg, sizeof(msg), "too many failed sign-ins from this address, retry in %u s",
                     v.retry_after);
            rq->hold = 1;
            return http_reply_problem(rq, MHD_HTTP_TOO_MANY_REQUESTS, 0, H_TOO_MANY_TITLE,
                                      H_TOO_MANY_TEXT, msg, h);
        }
    }
    return http_reply_problem(rq, MHD_HTTP_UNAUTHORIZED, 0, H_SIGN_IN_TITLE, H_SIGN_IN_TEXT,
                              "missing or wrong staff credentials", basic_challenge);
}

/* ---- form tokens ---- */

static unsigned char csrf_key[32];
static int csrf_key_ok;
static pthread_once_t csrf_once = PTHREAD_ONCE_INIT;

static void csrf_init(void)
{
    csrf_key_ok = RAND_bytes(csrf_key, sizeof(csrf_key)) == 1;
}

/* HMAC-SHA256(process key, "revoke:" staff ":" id) in hex; 0, or -1. */
int http_csrf_token(const char *staff, const char *id, char out[HTTP_CSRF_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char msg[160];
    int n;
    pthread_once(&csrf_once, csrf_init);
    n = snprintf(msg, sizeof(msg), "revoke:%s:%s", staff, id);
    if (!csrf_key_ok || n < 0 || (size_t)n >= sizeof(msg) ||
        !HMAC(EVP_sha256(), csrf_key, sizeof(csrf_key), (const unsigned char *)msg, (size_t)n, mac,
              &maclen) ||
        maclen * 2 < HTTP_CSRF_LEN)
        return -1;
    codec_hex(mac, HTTP_CSRF_LEN / 2, out);
    return 0;
}

int http_csrf_ok(const char *staff, const char *id, const char *given, size_t len)
{
    char want[HTTP_CSRF_LEN + 1];
    return given && http_csrf_token(staff, id, want) == 0 && len == HTTP_CSRF_LEN &&
           CRYPTO_memcmp(want, given, HTTP_CSRF_LEN) == 0;
}
