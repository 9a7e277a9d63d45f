/* Answering a request: the one place that queues responses (adding the
 * security headers), JSON and error bodies, gzip with zlib, redirects, and
 * pages around html.c's shell. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <cjson/cJSON.h>

#include "http_reply.h"
#include "banned.h"

#define MAX_EXTRA_HEADERS 12 /* name, value pairs a caller may add to a body */

/* Sent with every answer: pages carry no script and load nothing from
 * elsewhere; nothing may frame them; no Referer leaks codes or ids. */
static const char *const security_headers[] = {
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options",
    "nosniff",
    "Referrer-Policy",
    "no-referrer",
    NULL,
};

int http_queue(struct http_request *rq, int status, struct MHD_Response *r)
{
    enum MHD_Result ok;
    if (rq->status) { /* one answer per request */
        MHD_destroy_response(r);
        return -1;
    }
    for (size_t i = 0; security_headers[i]; i += 2)
        MHD_add_response_header(r, security_headers[i], security_headers[i + 1]);
    if (rq->must_close || (rq->stopping && atomic_load(rq->stopping)))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    ok = MHD_queue_response(rq->conn, (unsigned)status, r);
    MHD_destroy_response(r);
    if (ok != MHD_YES)
        return -1;
    rq->status = status;
    return 0;
}

int http_reply(struct http_request *rq, int status, const char *content_type, const void *body,
               size_t len, const char *const *headers)
{
    struct MHD_Response *r;
    if (rq->status)
        return -1; /* one answer per request */
    r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return -1;
    if (content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        MHD_add_response_header(r, headers[i], headers[i + 1]);
    return http_queue(rq, status, r);
}

int http_reply_json(struct http_request *rq, int status, struct cJSON *obj,
                    const char *const *headers)
{
    char *text = cJSON_PrintUnformatted(obj);
    struct buf b = BUF_INIT;
    int rc;
    cJSON_Delete(obj);
    if (!text)
        return -1;
    buf_adds(&b, text);
    buf_addc(&b, '\n');
    cJSON_free(text);
    rc = http_reply_body(rq, status, "application/json; charset=utf-8", b.data, b.len, headers);
    buf_free(&b);
    return rc;
}

int http_reply_error(struct http_request *rq, int status, const char *message,
                     const char *const *headers)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", message);
    if (!rq->error[0])
        snprintf(rq->error, sizeof(rq->error), "%s", message);
    return http_reply_json(rq, status, o, headers);
}

void http_json_add_int(cJSON *o, const char *key, int64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    cJSON_AddRawToObject(o, key, num);
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
    if (len > 0 && http_accepts_gzip(rq) && http_gzip(body, len, &z) == 0) {
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
