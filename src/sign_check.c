/* Check the signature of a PDF someone hands in (POST /verify/check): the
 * last /ByteRange and the CMS in its gap, verified over the bytes it names
 * with the certificate the CMS carries. Nothing of the signer's chain is
 * trusted or checked here: the question is whether the file is as it was
 * signed, and who signed it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "codec.h"
#include "sign.h"
#include "banned.h"

/* The start of the last occurrence of needle in hay[0..n), or NULL. */
static const char *last_of(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (hay[i] == needle[0] && !memcmp(hay + i, needle, k))
            return hay + i;
    return NULL;
}

/* "[ a b c d ]" at p (at most end): 0, or -1. */
static int byte_range(const char *p, const char *end, unsigned long long v[4])
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r'))
        p++;
    if (p >= end || *p++ != '[')
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned long long x = 0;
        int digits = 0;
        while (p < end && *p == ' ')
            p++;
        while (p < end && *p >= '0' && *p <= '9' && digits < 15) {
            x = x * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (!digits)
            return -1;
        v[i] = x;
    }
    return 0;
}

static void signer_name(CMS_ContentInfo *cms, char *out, size_t outlen)
{
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    X509 *x = signers && sk_X509_num(signers) > 0 ? sk_X509_value(signers, 0) : NULL;
    out[0] = '\0';
    if (x) {
        X509_NAME *name = X509_get_subject_name(x);
        int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        ASN1_STRING *cn = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)) : NULL;
        unsigned char *u = NULL;
        int n = cn ? ASN1_STRING_to_UTF8(&u, cn) : -1;
        if (n > 0)
            snprintf(out, outlen, "%.*s", n, (const char *)u);
        OPENSSL_free(u);
    }
    sk_X509_free(signers);
}

void sign_check_pdf(const void *data, size_t len, struct sign_check *out)
{
    const char *pdf = data, *br, *lt, *gt;
    unsigned long long v[4];
    unsigned char *der = NULL;
    size_t nder = 0;
    BIO *in = NULL, *content = NULL;
    CMS_ContentInfo *cms = NULL;

    memset(out, 0, sizeof(*out));
    br = last_of(pdf, len, "/ByteRange");
    if (!br)
        return;
    out->present = 1;
    if (byte_range(br + 10, pdf + len, v) < 0 || v[0] != 0 || v[1] == 0 || v[2] <= v[1] ||
        v[1] + 2 > v[2] || v[2] > len || v[3] > len - v[2]) {
        snprintf(out->why, sizeof(out->why), "its /ByteRange does not fit the file");
        return;
    }
    out->whole = v[2] + v[3] == len;
    /* the gap holds <hex of the CMS, padded with zeros> */
    lt = pdf + v[1];
    gt = pdf + v[2] - 1;
    if (*lt != '<' || *gt != '>') {
        snprintf(out->why, sizeof(out->why), "no signature value where /ByteRange says");
        return;
    }
    der = malloc((size_t)(gt - lt) / 2 + 1);
    for (const char *p = lt + 1; der && p + 1 < gt; p += 2) {
        int hi = codec_hex_value(p[0]), lo = codec_hex_value(p[1]);
        if (hi < 0 || lo < 0)
            break;
        der[nder++] = (unsigned char)(hi << 4 | lo);
    }
    in = der ? BIO_new_mem_buf(der, (int)nder) : NULL;
    cms = in ? d2i_CMS_bio(in, NULL) : NULL;
    if (!cms) {
        snprintf(out->why, sizeof(out->why), "its signature value is not a CMS");
        goto done;
    }
    content = BIO_new(BIO_s_mem());
    if (!content || BIO_write(content, pdf, (int)v[1]) != (int)v[1] ||
        (v[3] && BIO_write(content, pdf + v[2], (int)v[3]) != (int)v[3])) {
        snprintf(out->why, sizeof(out->why), "out of memory");
        goto done;
    }
    if (CMS_verify(cms, NULL, NULL, content, NULL,
                   CMS_BINARY | CMS_DETACHED | CMS_NO_SIGNER_CERT_VERIFY) == 1)
        out->valid = 1;
    else
        snprintf(out->why, sizeof(out->why), "the signed bytes were changed since");
    /* CMS_verify has matched the signer with the certificates the CMS carries */
    signer_name(cms, out->signer, sizeof(out->signer));
done:
    ERR_clear_error();
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(content);
    free(der);
}
