/* Webhook credentials: shared-token comparison in constant time and
 * Standard Webhooks signature verification with OpenSSL's libcrypto. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "codec.h"
#include "whsig.h"
#include "banned.h"

#define SECRET_PREFIX "whsec_"
#define SIG_LEN 32 /* bytes of an HMAC-SHA256 */

int whsig_token_equal(const char *expected, const char *given, size_t given_len)
{
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned alen = 0, blen = 0;
    if (!expected || !given)
        return 0;
    if (!EVP_Digest(expected, strlen(expected), a, &alen, EVP_sha256(), NULL) ||
        !EVP_Digest(given, given_len, b, &blen, EVP_sha256(), NULL) || alen != blen)
        return 0;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

int whsig_token_generate(char *out, size_t outlen, char *err, size_t errlen)
{
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        snprintf(err, errlen, "cannot get random bytes from the OpenSSL generator");
        return -1;
    }
    if (codec_b64_encode(CODEC_B64_URL, 0, raw, sizeof(raw), out, outlen) < 0) {
        OPENSSL_cleanse(raw, sizeof(raw));
        snprintf(err, errlen, "token buffer too small");
        return -1;
    }
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

int whsig_token_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return n >= 16 && n <= 256;
}

int whsig_key_parse(struct whsig_key *k, const char *secret, char *err, size_t errlen)
{
    size_t plen = strlen(SECRET_PREFIX);
    long n;
    memset(k, 0, sizeof(*k));
    if (strncmp(secret, SECRET_PREFIX, plen) != 0) {
        snprintf(err, errlen, "signing secret must start with '%s'", SECRET_PREFIX);
        return -1;
    }
    n = codec_b64_decode(CODEC_B64_STD, secret + plen, strlen(secret + plen), k->key,
                         sizeof(k->key));
    if (n < 0) {
        snprintf(err, errlen, "signing secret is not '%s' followed by base64 (at most %d bytes)",
                 SECRET_PREFIX, WHSIG_KEY_MAX);
        return -1;
    }
    if (n < 16) {
        snprintf(err, errlen, "signing secret is too short (%ld bytes, at least 16)", n);
        OPENSSL_cleanse(k->key, sizeof(k->key));
        return -1;
    }
    k->len = (size_t)n;
    return 0;
}

/* HMAC-SHA256 over "id.timestamp.body" into mac (SIG_LEN bytes). 0 or -1. */
static int compute_mac(const struct whsig_key *k, const char *id, const char *ts, const char *body,
                       size_t len, unsigned char *mac)
{
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    size_t outl = 0;
    int rc = -1;
    if (!m)
        goto fail;
    ctx = EVP_MAC_CTX_new(m);
    if (!ctx)
        goto fail;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, k->key, k->len, params) ||
        !EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) ||
        !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
        !EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) ||
        !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
        (len && !EVP_MAC_update(ctx, (const unsigned char *)body, len)) ||
        !EVP_MAC_final(ctx, mac, &outl, SIG_LEN) || outl != SIG_LEN)
        goto fail;
    rc = 0;
fail:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    return rc;
}

/* Parse a decimal timestamp; 0 or -1. */
static int parse_timestamp(const char *s, long long *out)
{
    long long v = 0;
    if (!*s || strlen(s) > 15)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

enum whsig_status whsig_verify(const struct whsig_key *k, const char *id, const char *timestamp,
                               const char *signatures, const char *body, size_t len, time_t now)
{
    unsigned char mac[SIG_LEN], given[SIG_LEN + 3];
    long long ts;
    const char *p;
    int found = 0;
    if (!id || !*id || !timestamp || !*timestamp || !signatures || !*signatures)
        return WHSIG_MISSING;
    if (parse_timestamp(timestamp, &ts) < 0)
        return WHSIG_BAD_TIMESTAMP;
    if ((long long)now - ts > WHSIG_TOLERANCE)
        return WHSIG_STALE;
    if (ts - (long long)now > WHSIG_TOLERANCE)
        return WHSIG_FUTURE;
    if (compute_mac(k, id, timestamp, body, len, mac) < 0)
        return WHSIG_MISMATCH;
    /* Check every entry, whatever came before, so timing says nothing about position. */
    for (p = signatures; *p;) {
        size_t n;
        long got;
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n > 3 && memcmp(p, "v1,", 3) == 0) {
            got = codec_b64_decode(CODEC_B64_STD, p + 3, n - 3, given, sizeof(given));
            if (got == SIG_LEN && CRYPTO_memcmp(given, mac, SIG_LEN) == 0)
                found = 1;
        }
        p += n;
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    return found ? WHSIG_OK : WHSIG_MISMATCH;
}

int whsig_sign(const struct whsig_key *k, const char *id, long long timestamp, const char *body,
               size_t len, char *out, size_t outlen)
{
    unsigned char mac[SIG_LEN];
    char ts[24];
    if (outlen < 4)
        return -1;
    snprintf(ts, sizeof(ts), "%lld", timestamp);
    if (compute_mac(k, id, ts, body, len, mac) < 0)
        return -1;
    memcpy(out, "v1,", 3);
    return codec_b64_encode(CODEC_B64_STD, 1, mac, SIG_LEN, out + 3, outlen - 3);
}

const char *whsig_status_message(enum whsig_status st)
{
    switch (st) {
    case WHSIG_OK:
        return "signature valid";
    case WHSIG_MISSING:
        return "missing webhook-id, webhook-timestamp or webhook-signature header";
    case WHSIG_BAD_TIMESTAMP:
        return "webhook-timestamp is not a number of seconds";
    case WHSIG_STALE:
        return "webhook-timestamp is more than 5 minutes old";
    case WHSIG_FUTURE:
        return "webhook-timestamp is more than 5 minutes in the future";
    case WHSIG_MISMATCH:
        return "no webhook-signature matches";
    }
    return "signature not checked";
}
