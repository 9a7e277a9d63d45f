/* Reading a request: headers and parameters, content negotiation (Accept,
 * Accept-Language, Accept-Encoding, each a list of entries with q values),
 * and percent-decoding of paths. */
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

const char *http_arg(struct http_request *rq, const char *name)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
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
