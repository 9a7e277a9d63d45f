/* The signing key: PEM certificate and key or a PKCS#12 file, checked at
 * load (readable, password, validity, key matching the certificate) so that
 * a server refuses to start rather than archive what it cannot sign. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "sign_int.h"
#include "banned.h"

#define KEY_FILE_MAX (1 << 20)

int sign_settings_any(const struct sign_settings *s)
{
    return s->cert || s->key || s->p12;
}

/* The whole of a small file into b; 0, or -1 with err naming it. */
static int read_small(const char *what, const char *path, struct buf *b, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;

    if (!f) {
        snprintf(err, errlen, "%s '%s': %s", what, path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b->len <= KEY_FILE_MAX)
        buf_add(b, chunk, n);
    memset(chunk, 0, sizeof(chunk));
    if (ferror(f) || b->len > KEY_FILE_MAX || b->len == 0) {
        snprintf(err, errlen, "%s '%s': %s", what, path,
                 ferror(f) ? strerror(errno) : b->len ? "larger than 1 MB" : "empty file");
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static void wipe(struct buf *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
    buf_free(b);
}

/* A password file's first line (without its line end) into pass. */
static int read_pass(const char *path, struct buf *pass, char *err, size_t errlen)
{
    if (read_small("password file", path, pass, err, errlen) < 0) {
        if (pass->len == 0 && strstr(err, "empty file")) { /* an empty password */
            buf_adds(pass, "");
            return 0;
        }
        return -1;
    }
    pass->len = strcspn(pass->data, "\r\n");
    pass->data[pass->len] = '\0';
    return 0;
}

struct pass_ctx {
    const char *pass; /* NULL: none configured */
    int asked;
};

static int pem_pass(char *out, int size, int rw, void *u)
{
    struct pass_ctx *pc = u;
    size_t n;
    (void)rw;
    pc->asked = 1;
    if (!pc->pass)
        return -1;
    n = strlen(pc->pass);
    if (n > (size_t)size)
        return -1;
    memcpy(out, pc->pass, n);
    return (int)n;
}

static BIO *mem_bio(const struct buf *b)
{
    return BIO_new_mem_buf(b->data, (int)b->len);
}

static int load_pem(struct sign_key *k, const struct sign_settings *s, char *err, size_t errlen)
{
    struct buf cert = BUF_INIT, key = BUF_INIT, pass = BUF_INIT;
    struct pass_ctx pc = {NULL, 0};
    BIO *bio = NULL;
    int rc = -1;

    if (!s->cert || !s->key) {
        snprintf(err, errlen, "%s is set but %s is not: name both files",
                 s->cert ? "sign_cert" : "sign_key", s->cert ? "sign_key" : "sign_cert");
        return -1;
    }
    if (read_small("certificate", s->cert, &cert, err, errlen) < 0 ||
        read_small("key", s->key, &key, err, errlen) < 0 ||
        (s->key_pass_file && read_pass(s->key_pass_file, &pass, err, errlen) < 0))
        goto out;
    bio = mem_bio(&cert);
    k->cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!k->cert) {
        ERR_clear_error();
        snprintf(err, errlen, "certificate '%s': no PEM certificate in it", s->cert);
        goto out;
    }
    pc.pass = s->key_pass_file ? pass.data : NULL;
    bio = mem_bio(&key);
    k->pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, pem_pass, &pc) : NULL;
    BIO_free(bio);
    if (!k->pkey) {
        ERR_clear_error();
        if (pc.asked && !pc.pass)
            snprintf(err, errlen,
                     "key '%s' is encrypted: name the file with its password in "
                     "sign_key_pass_file",
                     s->key);
        else if (pc.asked)
            snprintf(err, errlen, "key '%s': the password in '%s' does not decrypt it", s->key,
                     s->key_pass_file);
        else
            snprintf(err, errlen, "key '%s': no PEM private key in it", s->key);
        goto out;
    }
    rc = 0;
out:
    wipe(&key);
    wipe(&pass);
    buf_free(&cert);
    return rc;
}

/* PKCS12_parse, once more with the legacy provider for the RC2 and 3DES
 * files that older tools (and many A1 certificates) are made with. */
static int parse_p12(PKCS12 *p12, const char *pass, struct sign_key *k, STACK_OF(X509) **ca)
{
    static OSSL_PROVIDER *legacy, *deflt;
    if (PKCS12_parse(p12, pass, &k->pkey, &k->cert, ca))
        return 0;
    ERR_clear_error();
    if (!legacy) {
        legacy = OSSL_PROVIDER_load(NULL, "legacy");
        deflt = OSSL_PROVIDER_load(NULL, "default");
        if (legacy && deflt && PKCS12_parse(p12, pass, &k->pkey, &k->cert, ca))
            return 0;
    }
    return -1;
}

static int load_p12(struct sign_key *k, const struct sign_settings *s, char *err, size_t errlen)
{
    struct buf der = BUF_INIT, pass = BUF_INIT;
    STACK_OF(X509) *ca = NULL;
    PKCS12 *p12 = NULL;
    const char *pw = NULL;
    BIO *bio = NULL;
    int rc = -1;

    if (s->cert || s->key) {
        snprintf(err, errlen, "sign_p12 and sign_cert/sign_key are both set: name one key");
        return -1;
    }
    if (read_small("PKCS#12 file", s->p12, &der, err, errlen) < 0 ||
        (s->p12_pass_file && read_pass(s->p12_pass_file, &pass, err, errlen) < 0))
        goto out;
    bio = mem_bio(&der);
    p12 = bio ? d2i_PKCS12_bio(bio, NULL) : NULL;
    BIO_free(bio);
    if (!p12) {
        ERR_clear_error();
        snprintf(err, errlen, "PKCS#12 file '%s': not a PKCS#12 (.pfx/.p12) file", s->p12);
        goto out;
    }
    if (s->p12_pass_file)
        pw = pass.data;
    else if (!PKCS12_mac_present(p12) || PKCS12_verify_mac(p12, "", 0))
        pw = "";
    else if (PKCS12_verify_mac(p12, NULL, 0))
        pw = NULL;
    else {
        ERR_clear_error();
        snprintf(err, errlen,
                 "PKCS#12 file '%s' needs a password: name the file with it in "
                 "sign_p12_pass_file",
                 s->p12);
        goto out;
    }
    if (s->p12_pass_file && PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, pw, -1)) {
        ERR_clear_error();
        snprintf(err, errlen, "PKCS#12 file '%s': the password in '%s' does not open it", s->p12,
                 s->p12_pass_file);
        goto out;
    }
    if (parse_p12(p12, pw, k, &ca) < 0 || !k->pkey || !k->cert) {
        snprintf(err, errlen, "PKCS#12 file '%s': cannot read its key and certificate: %s",
                 s->p12, sign_ssl_reason());
        goto out;
    }
    for (int i = 0; i < sk_X509_num(ca); i++) {
        X509 *c = sk_X509_value(ca, i);
        if (X509_up_ref(c))
            sk_X509_push(k->chain, c);
    }
    rc = 0;
out:
    sk_X509_pop_free(ca, X509_free);
    PKCS12_free(p12);
    wipe(&der);
    wipe(&pass);
    return rc;
}

static int load_chain(struct sign_key *k, const char *path, char *err, size_t errlen)
{
    struct buf pem = BUF_INIT;
    BIO *bio;
    X509 *c;
    int n = 0;

    if (read_small("certificate chain", path, &pem, err, errlen) < 0)
        return -1;
    bio = mem_bio(&pem);
    while (bio && (c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        sk_X509_push(k->chain, c);
        n++;
    }
    ERR_clear_error();
    BIO_free(bio);
    buf_free(&pem);
    if (n == 0) {
        snprintf(err, errlen, "certificate chain '%s': no PEM certificate in it", path);
        return -1;
    }
    return 0;
}

static void format_time(const ASN1_TIME *t, char *out, size_t n)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, n, "?");
}

/* Valid now, and the key is the certificate's. */
static int check_key(const struct sign_key *k, const struct sign_settings *s, char *err,
                     size_t errlen)
{
    const char *cert = s->p12 ? s->p12 : s->cert, *key = s->p12 ? s->p12 : s->key;
    int type = EVP_PKEY_get_base_id(k->pkey);
    char when[64];

    if (X509_cmp_current_time(X509_get0_notAfter(k->cert)) < 0) {
        format_time(X509_get0_notAfter(k->cert), when, sizeof(when));
        snprintf(err, errlen, "certificate '%s' expired on %s", cert, when);
        return -1;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(k->cert)) > 0) {
        format_time(X509_get0_notBefore(k->cert), when, sizeof(when));
        snprintf(err, errlen, "certificate '%s' is not valid before %s", cert, when);
        return -1;
    }
    if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
        snprintf(err, errlen, "key '%s': an RSA or ECDSA key is needed", key);
        return -1;
    }
    if (X509_check_private_key(k->cert, k->pkey) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "key '%s' does not match certificate '%s'", key, cert);
        return -1;
    }
    return 0;
}

/* The URL as messages show it: "https://user:pw@host/x" -> "https://host/x". */
static char *shown_url(const char *url)
{
    const char *host = strstr(url, "://") + 3, *at = strchr(host, '@'), *slash = strchr(host, '/');
    struct buf b = BUF_INIT;
    if (!at || (slash && slash < at))
        return xstrdup(url);
    buf_add(&b, url, (size_t)(host - url));
    buf_adds(&b, at + 1);
    return buf_detach(&b, NULL);
}

struct sign_key *sign_key_load(const struct sign_settings *s, char *err, size_t errlen)
{
    struct sign_key *k = xcalloc(1, sizeof(*k));
    struct buf probe = BUF_INIT;
    static const char data[] = "certifica";

    k->chain = sk_X509_new_null();
    if (!sign_settings_any(s)) {
        snprintf(err, errlen, "no signing key: set sign_cert and sign_key, or sign_p12");
        goto fail;
    }
    if ((s->p12 ? load_p12(k, s, err, errlen) : load_pem(k, s, err, errlen)) < 0 ||
        (s->chain && load_chain(k, s->chain, err, errlen) < 0) || check_key(k, s, err, errlen) < 0)
        goto fail;
    X509_NAME_oneline(X509_get_subject_name(k->cert), k->subject, sizeof(k->subject));
    /* a first signature, without the TSA, through CMS_verify: proves the key
     * signs what verifiers accept, and sizes /Contents */
    if (sign_cms_make(k, (const unsigned char *)data, 4, (const unsigned char *)data + 4, 5, 1,
                      &probe, err, errlen) < 0)
        goto fail;
    k->cms_size = probe.len;
    buf_free(&probe);
    if (s->tsa_url) {
        if (strncmp(s->tsa_url, "http://", 7) != 0 && strncmp(s->tsa_url, "https://", 8) != 0) {
            snprintf(err, errlen, "tsa_url: not an http:// or https:// URL");
            goto fail;
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        k->tsa_url = xstrdup(s->tsa_url);
        k->tsa_name = shown_url(s->tsa_url);
    }
    return k;
fail:
    buf_free(&probe);
    sign_key_free(k);
    return NULL;
}

void sign_key_free(struct sign_key *k)
{
    if (!k)
        return;
    if (k->tsa_url) {
        curl_global_cleanup();
        free(k->tsa_url);
        free(k->tsa_name);
    }
    EVP_PKEY_free(k->pkey);
    X509_free(k->cert);
    sk_X509_pop_free(k->chain, X509_free);
    free(k);
}

void sign_key_describe(const struct sign_key *k, char *out, size_t outlen)
{
    int type = EVP_PKEY_get_base_id(k->pkey);
    snprintf(out, outlen, "%s, %s-%d%s%s", k->subject, type == EVP_PKEY_RSA ? "RSA" : "ECDSA",
             EVP_PKEY_get_bits(k->pkey), k->tsa_url ? ", PAdES B-T with " : ", PAdES B-B",
             k->tsa_url ? k->tsa_name : "");
}
