/* Inside the sign module: the loaded key and the steps sign_pdf takes
 * (sign_cms.c builds the CMS, sign_tsa.c fetches the timestamp). */
#ifndef SIGN_INT_H
#define SIGN_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "sign.h"

#define SIGN_TSA_TIMEOUT 10L     /* seconds for the whole TSA exchange */
#define SIGN_TSA_RESERVE 8192    /* bytes kept for a timestamp token in /Contents */

struct sign_key {
    EVP_PKEY *pkey;
    X509 *cert;
    STACK_OF(X509) *chain; /* issuers to embed, may be empty */
    char *tsa_url;         /* NULL: B-B */
    char *tsa_name;        /* tsa_url without "user:password@", for messages */
    size_t cms_size;       /* DER bytes of a B-B CMS with this key, measured at load */
    char subject[256];
};

/* The detached CMS over the two byte ranges a and b: SHA-256, CAdES
 * signing-certificate-v2, no signing-time, a timestamp token when the key
 * names a TSA, in der. The signature value is always checked with the
 * public key; with full_check (at key load) the whole encoded CMS also goes
 * through CMS_verify against the data (~0.4 ms more). 0, or -1 with err. */
int sign_cms_make(const struct sign_key *k, const unsigned char *a, size_t alen,
                  const unsigned char *b, size_t blen, int full_check, struct buf *der, char *err,
                  size_t errlen);

/* An RFC 3161 token over SHA-256(value) from url, DER in token. 0, or -1
 * with err, where the TSA is called name (the URL without user and password). */
int sign_tsa_stamp(const char *url, const char *name, const unsigned char *value, size_t len,
                   struct buf *token, char *err, size_t errlen);

/* The first OpenSSL error's reason (never data), or "unknown error"; clears the queue. */
const char *sign_ssl_reason(void);

#endif
