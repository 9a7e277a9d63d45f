/* Webhook credentials: the shared token, compared in constant time, and
 * Standard Webhooks signatures (HMAC-SHA256 over "id.timestamp.body").
 * Every function is thread-safe: no shared state; a parsed key is read-only. */
#ifndef WHSIG_H
#define WHSIG_H

#include <stddef.h>
#include <time.h>

#define WHSIG_TOLERANCE 300 /* seconds a timestamp may be old or ahead */
#define WHSIG_KEY_MAX 128   /* bytes of a decoded signing secret */
#define WHSIG_TOKEN_LEN 43  /* characters of a generated token (32 bytes, base64url) */

/* A Standard Webhooks secret, decoded: "whsec_" + base64 of the key bytes. */
struct whsig_key {
    unsigned char key[WHSIG_KEY_MAX];
    size_t len;
};

enum whsig_status {
    WHSIG_OK = 0,
    WHSIG_MISSING,       /* webhook-id, webhook-timestamp or webhook-signature absent or empty */
    WHSIG_BAD_TIMESTAMP, /* not a decimal number of seconds */
    WHSIG_STALE,         /* more than WHSIG_TOLERANCE seconds old */
    WHSIG_FUTURE,        /* more than WHSIG_TOLERANCE seconds ahead */
    WHSIG_MISMATCH,      /* no "v1,<base64>" entry matches (malformed ones are skipped) */
};

/* 1 when given[0..given_len) equals the NUL-terminated expected token. The
 * time taken depends on neither the contents nor the lengths (both are
 * hashed with SHA-256 and the digests compared with CRYPTO_memcmp). */
int whsig_token_equal(const char *expected, const char *given, size_t given_len);

/* A new random token: 32 bytes from the OpenSSL RNG, base64url without
 * padding, in out (at least WHSIG_TOKEN_LEN + 1 bytes). 0, or -1 with err. */
int whsig_token_generate(char *out, size_t outlen, char *err, size_t errlen);

/* 1 when s is a usable token: 16 to 256 URL-safe characters (A-Z a-z 0-9 - _). */
int whsig_token_valid(const char *s);

/* Decode "whsec_<base64>" into *k. 0, or -1 with err (never quoting the secret). */
int whsig_key_parse(struct whsig_key *k, const char *secret, char *err, size_t errlen);

/* Verify one delivery. id, timestamp and signatures are the raw header
 * values (NULL when absent); signatures is a space-separated list of
 * "v1,<base64>" entries, any one valid is enough. now is the current time. */
enum whsig_status whsig_verify(const struct whsig_key *k, const char *id, const char *timestamp,
                               const char *signatures, const char *body, size_t len, time_t now);

/* Sign like a sender: "v1,<base64>" into out. 0, or -1 when out is too small. */
int whsig_sign(const struct whsig_key *k, const char *id, long long timestamp, const char *body,
               size_t len, char *out, size_t outlen);

/* A lowercase sentence for logs and the 401 body: "signature does not match". */
const char *whsig_status_message(enum whsig_status st);

#endif
