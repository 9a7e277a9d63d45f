/* Unit tests for sign: the incremental update on small hand-made PDFs (an
 * /Annots array kept, the xref offsets right, /ID and /Info carried over),
 * PDFs it must refuse with their bytes untouched, and every truncation and
 * many one-byte changes of a PDF signed or refused without a crash. The key
 * is made here with libcrypto (ECDSA P-256, self-signed, one day). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "sign.h"
#include "tap.h"
#include "banned.h"

static char dir[] = "/tmp/test_sign.XXXXXX";
static char cert_path[64], key_path[64];

/* A self-signed ECDSA certificate and key in dir. 0, or -1. */
static int make_key(void)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *n;
    FILE *f;
    int rc = -1;

    if (!pk || !x || !mkdtemp(dir))
        goto out;
    snprintf(cert_path, sizeof(cert_path), "%s/c.pem", dir);
    snprintf(key_path, sizeof(key_path), "%s/k.pem", dir);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pk);
    n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Teste", -1, -1, 0);
    X509_set_issuer_name(x, n);
    if (!X509_sign(x, pk, EVP_sha256()))
        goto out;
    f = fopen(cert_path, "w");
    if (!f || !PEM_write_X509(f, x) || fclose(f))
        goto out;
    f = fopen(key_path, "w");
    if (!f || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) || fclose(f))
        goto out;
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(pk);
    return rc;
}

/* A one-page PDF with a classic xref; page_extra goes into the page
 * dictionary, trailer_extra into the trailer. */
static void make_pdf(struct buf *b, const char *page_extra, const char *trailer_extra)
{
    size_t off[5], xref;
    buf_reset(b);
    buf_adds(b, "%PDF-1.4\n");
    off[1] = b->len;
    buf_adds(b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Lang (pt (BR) \\) >>) >>\nendobj\n");
    off[2] = b->len;
    buf_adds(b, "2 0 obj\n<< /Type /Pages /Kids [ 3 0 R ] /Count 1 >>\nendobj\n");
    off[3] = b->len;
    buf_addf(b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] %s >>\nendobj\n",
             page_extra);
    off[4] = b->len;
    buf_adds(b, "4 0 obj\n<< /Producer (test) >>\nendobj\n");
    xref = b->len;
    buf_addf(b, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 1; i < 5; i++)
        buf_addf(b, "%010zu 00000 n \n", off[i]);
    buf_addf(b, "trailer\n<< /Size 5 /Root 1 0 R /Info 4 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n",
             trailer_extra, xref);
}

/* The object at the offset the last xref section gives for num starts "num G obj". */
static int xref_points_at(const struct buf *b, long num)
{
    const char *sx = b->data + b->len - 1;
    long x, first, count;
    const char *p;

    while (sx > b->data && strncmp(sx, "startxref", 9))
        sx--;
    x = strtol(sx + 9, NULL, 10);
    p = b->data + x + 5;
    while (sscanf(p, "%ld %ld", &first, &count) == 2) {
        p = strchr(p, '\n') + 1;
        for (long i = 0; i < count; i++, p += 20)
            if (first + i == num) {
                char want[32];
                snprintf(want, sizeof(want), "%ld 0 obj", num);
                return !strncmp(b->data + strtol(p, NULL, 10), want, strlen(want));
            }
    }
    return 0;
}

static void test_update(const struct sign_key *k)
{
    struct buf b = BUF_INIT;
    char err[256] = "";

    make_pdf(&b, "", "/ID [<AB> <AB>]");
    is_int(sign_pdf(k, &b, 1700000000, err, sizeof(err)), 0, "a plain PDF is signed: %s", err);
    ok(strstr(b.data, "/M (D:20231114221320+00'00')"), "/M is the time given, in UTC");
    ok(strstr(b.data, "/Root 1 0 R /Info 4 0 R /ID [<AB> <AB>] /Prev "), "trailer keeps Info, ID");
    ok(strstr(b.data, "/Lang (pt (BR) \\) >>) /AcroForm << /Fields [6 0 R] /SigFlags 3 >> >>"),
       "the catalog is copied (a string with parentheses and >>) and gets the form");
    ok(strstr(b.data, "/Annots [6 0 R]"), "page 1 gets /Annots");
    for (long n = 1; n <= 7; n++)
        if (n != 2 && n != 4)
            ok(xref_points_at(&b, n), "the new xref gives object %ld's offset", n);

    make_pdf(&b, "/Annots [ 9 0 R ]", "");
    is_int(sign_pdf(k, &b, 1700000000, err, sizeof(err)), 0, "a page with annotations: %s", err);
    ok(strstr(b.data, "/Annots [ 9 0 R  6 0 R ]"), "the signature joins the page's /Annots");
    buf_free(&b);
}

static void refused(const struct sign_key *k, struct buf *b, const char *want, const char *what)
{
    struct buf copy = BUF_INIT;
    char err[256] = "";
    buf_add(&copy, b->data, b->len);
    is_int(sign_pdf(k, b, 0, err, sizeof(err)), -1, "%s: refused", what);
    ok(strstr(err, want) != NULL, "%s: says '%s' (%s)", what, want, err);
    ok(b->len == copy.len && !memcmp(b->data, copy.data, b->len), "%s: bytes unchanged", what);
    buf_free(&copy);
}

static void test_refused(const struct sign_key *k)
{
    struct buf b = BUF_INIT;
    make_pdf(&b, "/Annots 9 0 R", "");
    refused(k, &b, "indirect /Annots", "indirect annotations");
    make_pdf(&b, "", "/Prev 10");
    refused(k, &b, "already updated", "an updated PDF");
    make_pdf(&b, "", "/Encrypt 5 0 R");
    refused(k, &b, "encrypted", "an encrypted PDF");
    buf_reset(&b);
    buf_adds(&b, "%PDF-1.4\nnothing here\n");
    refused(k, &b, "no startxref", "no startxref");
    buf_reset(&b);
    buf_adds(&b, "%PDF-1.5\nstartxref\n9\n%%EOF\n");
    refused(k, &b, "no classic xref", "an xref stream");
    buf_free(&b);
}

/* Every truncation and a byte changed at every offset: no crash, and when
 * refused the bytes stay (sanitizers and valgrind watch the rest). */
static void test_damaged(const struct sign_key *k)
{
    struct buf good = BUF_INIT, b = BUF_INIT;
    char err[256];
    int bad = 0;

    make_pdf(&good, "/Annots [ 9 0 R ]", "/ID [<01> <01>]");
    for (size_t n = 0; n < good.len; n++) {
        for (int change = 0; change < 2; change++) {
            buf_reset(&b);
            buf_add(&b, good.data, change ? good.len : n);
            if (change)
                b.data[n] = (char)(b.data[n] == '0' ? '9' : b.data[n] ^ 0x20);
            size_t len = b.len;
            if (sign_pdf(k, &b, 0, err, sizeof(err)) < 0 && b.len != len)
                bad++;
        }
    }
    is_int(bad, 0, "%zu truncations and as many changed bytes: refusals leave the bytes",
           good.len);
    buf_free(&good);
    buf_free(&b);
}

int main(void)
{
    struct sign_settings s = {cert_path, key_path, NULL, NULL, NULL, NULL, NULL};
    struct sign_key *k;
    char err[256] = "";

    if (make_key() < 0) {
        ok(0, "a test key made with libcrypto");
        return tap_done();
    }
    k = sign_key_load(&s, err, sizeof(err));
    ok(k != NULL, "the key loads: %s", err);
    if (k) {
        test_update(k);
        test_refused(k);
        test_damaged(k);
    }
    sign_key_free(k);
    unlink(cert_path);
    unlink(key_path);
    rmdir(dir);
    return tap_done();
}
