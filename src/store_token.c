/* Tokens of staff accounts and webhooks, the same for every backend: a fresh
 * one is 32 random bytes in base64url, and a store keeps only its SHA-256. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "store_int.h"
#include "banned.h"

#define TOKEN_BYTES 32 /* 256 bits, 43 characters of base64url */
#define DIGEST_BYTES STORE_TOKEN_DIGEST

int store_token_digest(const char *token, unsigned char md[DIGEST_BYTES], char *err, size_t errlen)
{
    unsigned int n = 0;
    const char *t = token ? token : "";
    if (EVP_Digest(t, strlen(t), md, &n, EVP_sha256(), NULL) && n == DIGEST_BYTES)
        return 0;
    snprintf(err, errlen, "cannot hash the token: libcrypto failed");
    return -1;
}

int store_token_new(char token[64], unsigned char md[DIGEST_BYTES], char *err, size_t errlen)
{
    unsigned char rnd[TOKEN_BYTES];

    token[0] = '\0';
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        snprintf(err, errlen, "cannot draw random bytes for a token");
        return -1;
    }
    codec_b64_encode(CODEC_B64_URL, 0, rnd, sizeof(rnd), token, 64);
    OPENSSL_cleanse(rnd, sizeof(rnd));
    if (store_token_digest(token, md, err, errlen) < 0) {
        OPENSSL_cleanse(token, 64);
        return -1;
    }
    return 0;
}

int store_staff_token_new(const char *name, const struct store_scope *scope, char token[64],
                          unsigned char md[DIGEST_BYTES], char *err, size_t errlen)
{
    token[0] = '\0';
    if (!store_staff_name_valid(name)) {
        snprintf(err, errlen, "name: use 1 to 63 letters, digits, '.', '_', '-' or '@'");
        return -1;
    }
    if (scope && (scope->institution_id < 0 || scope->school_id < 0 ||
                  (scope->school_id && !scope->institution_id))) {
        snprintf(err, errlen, "scope: a school needs its institution, both positive integers");
        return -1;
    }
    return store_token_new(token, md, err, errlen);
}

int store_webhook_token_new(int64_t institution_id, const char **label, char deflabel[64],
                            char token[64], unsigned char md[DIGEST_BYTES], char *err,
                            size_t errlen)
{
    token[0] = '\0';
    if (institution_id <= 0) {
        snprintf(err, errlen, "institution: must be a positive integer");
        return -1;
    }
    if (!*label) {
        snprintf(deflabel, 64, "institution-%" PRId64, institution_id);
        *label = deflabel;
    }
    if (!store_staff_name_valid(*label)) {
        snprintf(err, errlen, "label: use 1 to 63 letters, digits, '.', '_', '-' or '@'");
        return -1;
    }
    return store_token_new(token, md, err, errlen);
}
