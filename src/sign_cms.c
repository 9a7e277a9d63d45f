/* The CMS of a PAdES signature: CAdES detached SignedData over SHA-256 with
 * signing-certificate-v2 and without the signing-time that OpenSSL would
 * add (PAdES puts the time in /M), signed by hand over the DER of the
 * remaining signed attributes, optionally timestamped, then verified. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "sign_int.h"
#include "banned.h"

struct der {
    unsigned char *p;
    int len;
};

static int der_cmp(const void *x, const void *y)
{
    const struct der *a = x, *b = y;
    int n = a->len < b->len ? a->len : b->len, c = memcmp(a->p, b->p, (size_t)n);
    return c ? c : a->len - b->len;
}

/* DER length octets of n into out (at most 5); their count. */
static size_t der_length(size_t n, unsigned char *out)
{
    size_t k = 0;
    if (n < 0x80) {
        out[0] = (unsigned char)n;
        return 1;
    }
    for (size_t m = n; m; m >>= 8)
        k++;
    out[0] = (unsigned char)(0x80 | k);
    for (size_t i = 0; i < k; i++)
        out[1 + i] = (unsigned char)(n >> (8 * (k - 1 - i)));
    return 1 + k;
}

/* What the signature covers (RFC 5652 5.4): the signed attributes as a DER
 * SET OF, their encodings in ascending order. 0, or -1. */
static int signed_attrs_der(CMS_SignerInfo *si, struct buf *out)
{
    int n = CMS_signed_get_attr_count(si), rc = -1;
    struct der *d = n > 0 ? xcalloc((size_t)n, sizeof(*d)) : NULL;
    size_t total = 0, hl;
    unsigned char head[6];

    if (n <= 0)
        return -1;
    for (int i = 0; i < n; i++) {
        d[i].len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &d[i].p);
        if (d[i].len <= 0)
            goto out;
        total += (size_t)d[i].len;
    }
    qsort(d, (size_t)n, sizeof(*d), der_cmp);
    head[0] = 0x31; /* SET */
    hl = 1 + der_length(total, head + 1);
    buf_add(out, head, hl);
    for (int i = 0; i < n; i++)
        buf_add(out, d[i].p, (size_t)d[i].len);
    rc = 0;
out:
    for (int i = 0; i < n; i++)
        OPENSSL_free(d[i].p);
    free(d);
    return rc;
}

/* Sign tbs with the key (PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC),
 * check the value with the public key, and put it into si. 0, or -1. */
static int sign_value(const struct sign_key *k, CMS_SignerInfo *si, const struct buf *tbs)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t len = 0;
    int rc = -1;

    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
        EVP_DigestSign(md, NULL, &len, (const unsigned char *)tbs->data, tbs->len) != 1)
        goto out;
    sig = OPENSSL_malloc(len);
    if (!sig || EVP_DigestSign(md, sig, &len, (const unsigned char *)tbs->data, tbs->len) != 1 ||
        len > (size_t)INT_MAX)
        goto out;
    /* a faulty signature (a hardware or library fault) never leaves here */
    EVP_MD_CTX_reset(md);
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
        EVP_DigestVerify(md, sig, len, (const unsigned char *)tbs->data, tbs->len) != 1 ||
        !ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)len))
        goto out;
    rc = 0;
out:
    OPENSSL_free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}

/* CMS_verify of the bytes that will go into the PDF, against the data. */
static int verify_der(const struct buf *der, const unsigned char *a, size_t alen,
                      const unsigned char *b, size_t blen, char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)der->data;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
    struct buf data = BUF_INIT;
    BIO *in = NULL;
    int rc = -1;

    buf_add(&data, a, alen);
    buf_add(&data, b, blen);
    in = BIO_new_mem_buf(data.data, (int)data.len);
    if (!cms || !in ||
        CMS_verify(cms, NULL, NULL, in, NULL,
                   CMS_BINARY | CMS_DETACHED | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        snprintf(err, errlen, "the signature made does not verify: %s", sign_ssl_reason());
        goto out;
    }
    rc = 0;
out:
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    buf_free(&data);
    return rc;
}

int sign_cms_make(const struct sign_key *k, const unsigned char *a, size_t alen,
                  const unsigned char *b, size_t blen, int full_check, struct buf *der, char *err,
                  size_t errlen)
{
    const unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL;
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    CMS_SignerInfo *si = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE], *out = NULL;
    unsigned dlen = 0;
    struct buf tbs = BUF_INIT, token = BUF_INIT;
    ASN1_OCTET_STRING *value;
    int n, loc, rc = -1;
    const char *step = "cannot start the CMS";

    if (!cms || !md)
        goto fail;
    step = "cannot add the signer";
    si = CMS_add1_signer(cms, k->cert, k->pkey, EVP_sha256(),
                         flags | CMS_CADES | CMS_NOSMIMECAP);
    if (!si)
        goto fail;
    step = "cannot add the chain";
    for (int i = 0; i < sk_X509_num(k->chain); i++)
        if (!CMS_add1_cert(cms, sk_X509_value(k->chain, i)))
            goto fail;
    step = "cannot hash the document";
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(md, a, alen) != 1 ||
        EVP_DigestUpdate(md, b, blen) != 1 || EVP_DigestFinal_ex(md, digest, &dlen) != 1)
        goto fail;
    step = "cannot set the signed attributes";
    if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                    OBJ_nid2obj(NID_pkcs7_data), -1) <= 0 ||
        CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest,
                                    (int)dlen) <= 0)
        goto fail;
    /* PAdES forbids the CMS signing-time: never sign one */
    while ((loc = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)) >= 0)
        X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, loc));
    step = "cannot sign";
    if (signed_attrs_der(si, &tbs) < 0 || sign_value(k, si, &tbs) < 0)
        goto fail;
    if (k->tsa_url) {
        value = CMS_SignerInfo_get0_signature(si);
        if (sign_tsa_stamp(k->tsa_url, k->tsa_name, ASN1_STRING_get0_data(value),
                           (size_t)ASN1_STRING_length(value), &token, err, errlen) < 0)
            goto out;
        step = "cannot add the timestamp";
        if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                           token.data, (int)token.len))
            goto fail;
    }
    step = "cannot encode the CMS";
    n = i2d_CMS_ContentInfo(cms, &out);
    if (n <= 0)
        goto fail;
    buf_reset(der);
    buf_add(der, out, (size_t)n);
    rc = full_check ? verify_der(der, a, alen, b, blen, err, errlen) : 0;
    goto out;
fail:
    snprintf(err, errlen, "%s: %s", step, sign_ssl_reason());
out:
    OPENSSL_free(out);
    buf_free(&tbs);
    buf_free(&token);
    EVP_MD_CTX_free(md);
    CMS_ContentInfo_free(cms);
    return rc;
}
