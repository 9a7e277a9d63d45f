/* Reading a request: headers and parameters, content negotiation (Accept,
 * Accept-Language, Accept-Encoding, each a list of entries with q values),
 * and percent-decoding of paths. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "http_request.h"
#include "banned.h"

/* One entry of a comma-separated header list: "text/html;q=0.9". */
struct list_entry {
    const char *tok; /* "text/html" */
    size_t len;
    int q; /* 0..1000 */
};

/* The q parameter in p[0..n) (the part after the token): 0..1000. */
static int q_value(const char *p, size_t n)
{
    const char *end = p + n;
    int w;
    for (;;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi)
            return 1000;
        p = semi + 1;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (*p == 'q' || *p == 'Q') && p[1] == '=')
            break;
    }
    p += 2;
    if (p >= end || (*p != '0' && *p != '1'))
        return 0;
    w = *p == '1' ? 1000 : 0;
    if (*p++ == '0' && p < end && *p == '.')
        for (int scale = 100, i = 1; p + i < end && scale; i++, scale /= 10) {
            if (p[i] < '0' || p[i] > '9')
                break;
            w += (p[i] - '0') * scale;
        }
    return w;
}

/* The entry at p into *e; the position after it, or NULL at the end. */
static const char *next_entry(const char *p, struct list_entry *e)
{
    size_t n;
    while (p && (*p == ' ' || *p == '\t' || *p == ','))
        p++;
    if (!p || !*p)
        return NULL;
    n = strcspn(p, ",");
    e->tok = p;
    e->len = strcspn(p, ";, \t");
    if (e->len > n)
        e->len = n;
    e->q = q_value(p + e->len, n - e->len);
    return p + n;
}

static int tok_is(const struct list_entry *e, const char *s)
{
    return e->len == strlen(s) && strncasecmp(e->tok, s, e->len) == 0;
}

/* ---- paths ---- */

/* As libmicrohttpd's own decoding, but with "%00" kept: otherwise
 * "/certificates/ID%00.pdf" would read as "/certificates/ID". */
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *r = s, *w = s;
    int hi, lo;
    (void)cls;
    (void)conn;
    while (*r) {
        if (r[0] == '%' && (hi = codec_hex_value(r[1])) >= 0 && (lo = codec_hex_value(r[2])) >= 0 &&
            (hi | lo)) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* ---- requests ---- */

const char *http_header(struct http_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

struct arg_find {
    const char *name;
    const char *value;
};

static enum MHD_Result find_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct arg_find *f = cls;
    (void)kind;
    if (strcmp(key, f->name) != 0)
        return MHD_YES;
    f->value = value;
    return MHD_NO; /* the first one counts */
}

const char *http_arg(struct http_request *rq, const char *name)
{
    struct arg_find f = {name, NULL};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, find_arg, &f);
    return f.value && *f.value ? f.value : NULL;
}

/* ---- framing ---- */

struct framing {
    int n_length, lengths_differ, bad_length;
    unsigned long long length;
    int n_chunked, n_te_headers, te_plain; /* te_plain: the one header is exactly "chunked" */
    char other[40];                        /* a coding other than chunked */
};

static void add_codings(struct framing *f, const char *v)
{
    f->n_te_headers++;
    f->te_plain = f->n_te_headers == 1 && !strcasecmp(v, "chunked");
    for (const char *p = v; *p;) {
        size_t n;
        p += strspn(p, " \t,");
        n = strcspn(p, " \t,;");
        if (n == 0)
            break;
        if (n == 7 && !strncasecmp(p, "chunked", 7))
            f->n_chunked++;
        else if (!f->other[0])
            snprintf(f->other, sizeof(f->other), "%.*s", (int)(n < 32 ? n : 32), p);
        p += n;
        p += strcspn(p, ","); /* parameters */
    }
}

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct framing *f = cls;
    (void)kind;
    if (!value)
        value = "";
    if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
        add_codings(f, value);
    } else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        unsigned long long n = 0;
        size_t digits = strspn(value, "0123456789");
        if (digits == 0 || digits > 18 || value[digits] != '\0') {
            f->bad_length = 1;
            return MHD_YES;
        }
        for (size_t i = 0; i < digits; i++)
            n = n * 10 + (unsigned long long)(value[i] - '0');
        if (f->n_length++ && n != f->length)
            f->lengths_differ = 1;
        f->length = n;
    }
    return MHD_YES;
}

enum http_framing http_framing_check(struct MHD_Connection *conn, const char *version, char *why,
                                     size_t whylen)
{
    struct framing f;
    memset(&f, 0, sizeof(f));
    MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header, &f);
    if (f.bad_length || f.lengths_differ) {
        snprintf(why, whylen, "%s",
                 f.bad_length ? "Content-Length is not a number" : "Content-Length headers differ");
        return HTTP_FRAMING_BAD;
    }
    if (f.n_te_headers == 0)
        return HTTP_FRAMING_OK;
    if (f.other[0]) {
        snprintf(why, whylen, "transfer coding '%s' is not supported (only chunked)", f.other);
        return HTTP_FRAMING_UNSUPPORTED;
    }
    /* libmicrohttpd reads a chunked body only when the first header says
     * exactly "chunked"; chunked twice is not allowed (RFC 9112 §7). */
    if (f.n_chunked != 1 || !f.te_plain) {
        snprintf(why, whylen, "%s",
                 f.n_chunked > 1 ? "Transfer-Encoding says chunked more than once"
                                 : "malformed Transfer-Encoding");
        return HTTP_FRAMING_BAD;
    }
    if (f.n_length || (version && !strcmp(version, MHD_HTTP_VERSION_1_0)))
        return HTTP_FRAMING_CLOSE;
    return HTTP_FRAMING_OK;
}

/* How well the media range e matches type ("text/html"): 3 exactly, 2
 * "text/ *", 1 "* / *", 0 not at all. */
static int range_match(const struct list_entry *e, const char *type)
{
    size_t major = (size_t)(strchr(type, '/') - type);
    if (tok_is(e, type))
        return 3;
    if (e->len == major + 2 && !strncasecmp(e->tok, type, major + 1) && e->tok[major + 1] == '*')
        return 2;
    return tok_is(e, "*/*") ? 1 : 0;
}

/* The weight Accept gives type, from its most specific matching range. */
static int accept_weight(const char *accept, const char *type)
{
    struct list_entry e;
    int best = 0, w = 0;
    for (const char *p = accept; (p = next_entry(p, &e)) != NULL;) {
        int m = range_match(&e, type);
        if (m > best) {
            best = m;
            w = e.q;
        }
    }
    return w;
}

int http_wants_html(struct http_request *rq, int default_html)
{
    const char *accept = http_header(rq, MHD_HTTP_HEADER_ACCEPT);
    int h, j;
    if (!accept || !*accept)
        return default_html;
    h = accept_weight(accept, "text/html");
    j = accept_weight(accept, "application/json");
    return h == j ? default_html : h > j;
}

enum i18n_locale http_locale(struct http_request *rq, int *explicit)
{
    const char *lang = http_arg(rq, "lang");
    const char *al = http_header(rq, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
    enum i18n_locale loc = I18N_PT_BR;
    struct list_entry e;
    int best = 0;
    if (explicit)
        *explicit = lang != NULL;
    if (lang)
        return strncasecmp(lang, "en", 2) == 0 ? I18N_EN : I18N_PT_BR;
    for (const char *p = al; (p = next_entry(p, &e)) != NULL;) {
        int en = e.len >= 2 && !strncasecmp(e.tok, "en", 2);
        int pt = e.len >= 2 && !strncasecmp(e.tok, "pt", 2);
        if ((en || pt) && (e.len == 2 || e.tok[2] == '-' || e.tok[2] == '_') && e.q > best) {
            best = e.q;
            loc = en ? I18N_EN : I18N_PT_BR;
        }
    }
    return loc;
}

int http_accepts_gzip(struct http_request *rq)
{
    const char *ae = http_header(rq, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    struct list_entry e;
    int gzip = -1, star = 0;
    for (const char *p = ae; (p = next_entry(p, &e)) != NULL;) {
        if (tok_is(&e, "gzip") || tok_is(&e, "x-gzip"))
            gzip = e.q;
        else if (tok_is(&e, "*"))
            star = e.q;
    }
    return gzip >= 0 ? gzip > 0 : star > 0;
}
