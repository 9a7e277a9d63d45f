/* RFC 3161 timestamps: a TimeStampReq over SHA-256 of a signature value,
 * POSTed to the TSA with libcurl (10 s for everything), the reply checked
 * (granted, our imprint, our nonce) and its token returned. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "sign_int.h"
#include "banned.h"

#define TSA_REPLY_MAX (256 * 1024) /* a token with a long chain is a few KB */

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    if (b->len + size * n > TSA_REPLY_MAX)
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    buf_add(b, p, size * n);
    return size * n;
}

/* The request for SHA-256(value) with a fresh nonce; NULL on failure. */
static TS_REQ *make_request(const unsigned char *value, size_t len)
{
    unsigned char md[32], rnd[8];
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = NULL;
    BIGNUM *bn = NULL;
    int ok = 0;

    if (!req || !mi || !alg || !EVP_Digest(value, len, md, NULL, EVP_sha256(), NULL) ||
        RAND_bytes(rnd, sizeof(rnd)) != 1)
        goto out;
    rnd[0] &= 0x7f; /* a positive INTEGER */
    bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
    nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    ok = nonce && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
         TS_MSG_IMPRINT_set_algo(mi, alg) && TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md)) &&
         TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
         TS_REQ_set_nonce(req, nonce) && TS_REQ_set_cert_req(req, 1);
out:
    ASN1_INTEGER_free(nonce);
    BN_free(bn);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    if (!ok) {
        TS_REQ_free(req);
        req = NULL;
    }
    return req;
}

/* POST body to url; the reply in out. 0, or -1 with err. */
static int post(const char *url, const char *name, const unsigned char *body, size_t len,
                struct buf *out, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char cerr[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode rc;

    if (!c) {
        snprintf(err, errlen, "timestamp authority '%s': cannot start libcurl", name);
        return -1;
    }
    h = curl_slist_append(h, "Content-Type: application/timestamp-query");
    h = curl_slist_append(h, "Accept: application/timestamp-reply");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, SIGN_TSA_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "timestamp authority '%s': %s", name,
                 rc == CURLE_OPERATION_TIMEDOUT ? "no answer within 10 s"
                 : cerr[0]                      ? cerr
                                                : curl_easy_strerror(rc));
        return -1;
    }
    if (status != 200) {
        snprintf(err, errlen, "timestamp authority '%s': HTTP status %ld", name, status);
        return -1;
    }
    return 0;
}

int sign_tsa_stamp(const char *url, const char *name, const unsigned char *value, size_t len,
                   struct buf *token, char *err, size_t errlen)
{
    TS_REQ *req = make_request(value, len);
    TS_RESP *resp = NULL;
    TS_VERIFY_CTX *vc = NULL;
    struct buf reply = BUF_INIT;
    unsigned char *body = NULL, *tok = NULL;
    const unsigned char *p;
    int n, rc = -1;
    long status;

    n = req ? i2d_TS_REQ(req, &body) : -1;
    if (n <= 0) {
        snprintf(err, errlen, "cannot make the timestamp request: %s", sign_ssl_reason());
        goto out;
    }
    if (post(url, name, body, (size_t)n, &reply, err, errlen) < 0)
        goto out;
    p = (const unsigned char *)reply.data;
    resp = reply.len < LONG_MAX ? d2i_TS_RESP(NULL, &p, (long)reply.len) : NULL;
    if (!resp) {
        ERR_clear_error();
        snprintf(err, errlen, "timestamp authority '%s': the reply is not an RFC 3161 response",
                 name);
        goto out;
    }
    status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
    if (status != 0 && status != 1) {
        snprintf(err, errlen, "timestamp authority '%s': request refused (status %ld)", name,
                 status);
        goto out;
    }
    /* our imprint and nonce; whether to trust the TSA is the verifier's call */
    vc = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
    if (!vc || !TS_VERIFY_CTX_set_flags(vc, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE) ||
        TS_RESP_verify_response(vc, resp) != 1) {
        snprintf(err, errlen, "timestamp authority '%s': the token does not match the request: %s",
                 name, sign_ssl_reason());
        goto out;
    }
    n = i2d_PKCS7(TS_RESP_get_token(resp), &tok);
    if (n <= 0) {
        snprintf(err, errlen, "timestamp authority '%s': the reply holds no token", name);
        goto out;
    }
    buf_reset(token);
    buf_add(token, tok, (size_t)n);
    rc = 0;
out:
    OPENSSL_free(tok);
    OPENSSL_free(body);
    TS_VERIFY_CTX_free(vc);
    TS_RESP_free(resp);
    TS_REQ_free(req);
    buf_free(&reply);
    return rc;
}
