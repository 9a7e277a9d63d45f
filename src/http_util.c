/* What the routes share: URL decoding and path patterns, headers and
 * parameters, content negotiation (Accept, Accept-Language,
 * Accept-Encoding), gzip with zlib, redirects, and pages around html.c's
 * shell. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include <cjson/cJSON.h>

#include "http_int.h"
#include "banned.h"

void http_json_add_int(cJSON *o, const char *key, int64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    cJSON_AddRawToObject(o, key, num);
}

#define MAX_EXTRA_HEADERS 12 /* name, value pairs a caller may add to a body */

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

int http_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* As libmicrohttpd's own decoding, but with "%00" kept: otherwise
 * "/certificates/ID%00.pdf" would read as "/certificates/ID". */
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *r = s, *w = s;
    int hi, lo;
    (void)cls;
    (void)conn;
    while (*r) {
        if (r[0] == '%' && (hi = http_hex_value(r[1])) >= 0 && (lo = http_hex_value(r[2])) >= 0 &&
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

/* 1 when url matches pattern: '*' is one or more characters other than '/'. */
int http_path_match(const char *pattern, const char *url)
{
    for (; *pattern; pattern++) {
        if (*pattern != '*') {
            if (*url++ != *pattern)
                return 0;
            continue;
        }
        if (*url == '/' || *url == '\0')
            return 0;
        url += strcspn(url, "/");
    }
    return *url == '\0';
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

/* 1 when Accept-Encoding allows gzip. */
static int accepts_gzip(struct http_request *rq)
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

int http_gzip(const void *data, size_t len, struct buf *out)
{
    z_stream zs;
    size_t bound;
    int rc;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return -1;
    bound = deflateBound(&zs, (uLong)len) + 32;
    buf_grow(out, bound);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out->data + out->len;
    zs.avail_out = (uInt)bound;
    rc = deflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_END)
        out->len += zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? 0 : -1;
}

int http_reply_body(struct http_request *rq, int status, const char *content_type, const void *body,
                    size_t len, const char *const *headers)
{
    const char *h[2 * MAX_EXTRA_HEADERS + 5];
    struct buf z = BUF_INIT;
    size_t n = 0;
    int rc;
    for (; headers && headers[n] && headers[n + 1] && n < 2 * MAX_EXTRA_HEADERS; n += 2) {
        h[n] = headers[n];
        h[n + 1] = headers[n + 1];
    }
    h[n++] = "Vary";
    h[n++] = "Accept-Encoding";
    if (len > 0 && accepts_gzip(rq) && http_gzip(body, len, &z) == 0) {
        h[n++] = MHD_HTTP_HEADER_CONTENT_ENCODING;
        h[n++] = "gzip";
        body = z.data;
        len = z.len;
    }
    h[n] = NULL;
    rc = http_reply(rq, status, content_type, body, len, h);
    buf_free(&z);
    return rc;
}

int http_redirect(struct http_request *rq, const char *location)
{
    const char *h[] = {MHD_HTTP_HEADER_LOCATION, location, NULL};
    return http_reply(rq, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0, h);
}

/* Percent-encode a decoded path, keeping its slashes. */
static void path_encode(struct buf *out, const char *path)
{
    while (*path) {
        size_t n = strcspn(path, "/");
        char *seg = xstrndup(path, n);
        html_url_encode(out, seg);
        free(seg);
        path += n;
        if (*path == '/')
            buf_addc(out, *path++);
    }
}

struct query_ctx {
    struct buf *out;
    int first;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct query_ctx *q = cls;
    (void)kind;
    if (!strcmp(key, "lang") || !value || !*value)
        return MHD_YES;
    buf_addc(q->out, q->first ? '?' : '&');
    q->first = 0;
    html_url_encode(q->out, key);
    buf_addc(q->out, '=');
    html_url_encode(q->out, value);
    return MHD_YES;
}

/* This request's path and query again, with lang=<lang>. */
static void self_url(struct http_request *rq, struct buf *out, const char *lang)
{
    struct query_ctx q = {out, 1};
    path_encode(out, rq->url);
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    buf_addf(out, "%slang=%s", q.first ? "?" : "&", lang);
}

void http_page_begin(struct http_request *rq, struct http_page *pg, const char *title, int staff)
{
    int explicit = 0;
    memset(pg, 0, sizeof(*pg));
    pg->loc = http_locale(rq, &explicit);
    if (explicit)
        snprintf(pg->lang_query, sizeof(pg->lang_query), "?lang=%s",
                 pg->loc == I18N_EN ? "en" : "pt");
    self_url(rq, &pg->url_pt, "pt");
    self_url(rq, &pg->url_en, "en");
    pg->html =
        (struct html_page){pg->loc, title, staff, pg->url_pt.data, pg->url_en.data, pg->lang_query};
    html_begin(&pg->out, &pg->html);
}

void http_page_free(struct http_page *pg)
{
    buf_free(&pg->out);
    buf_free(&pg->url_pt);
    buf_free(&pg->url_en);
}

int http_page_reply(struct http_request *rq, struct http_page *pg, int status,
                    const char *const *headers)
{
    int rc;
    html_end(&pg->out, &pg->html);
    rc =
        http_reply_body(rq, status, "text/html; charset=utf-8", pg->out.data, pg->out.len, headers);
    http_page_free(pg);
    return rc;
}

int http_reply_problem(struct http_request *rq, int status, int default_html, enum html_str title,
                       enum html_str text, const char *message, const char *const *headers)
{
    struct http_page pg;
    enum i18n_locale loc;
    if (!http_wants_html(rq, default_html))
        return http_reply_error(rq, status, message, headers);
    if (!rq->error[0])
        snprintf(rq->error, sizeof(rq->error), "%s", message);
    loc = http_locale(rq, NULL);
    http_page_begin(rq, &pg, html_str(loc, title), rq->staff[0] != '\0');
    html_elem(&pg.out, "h1", html_str(loc, title));
    buf_adds(&pg.out, "<div class=\"card\">");
    html_elem(&pg.out, "p", html_str(loc, text));
    buf_adds(&pg.out, "</div>");
    return http_page_reply(rq, &pg, status, headers);
}
