/* POST /certificates/{id}/revoke for staff: from the details page's form
 * (application/x-www-form-urlencoded, with its form token; answered with a
 * 303 back to the page) or as JSON {"reason": "..."} (answered with the
 * certificate's metadata). The reason is required. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "codec.h"
#include "http_int.h"
#include "log.h"
#include "utf8.h"
#include "banned.h"

#define REASON_MAX 500 /* characters of a revocation reason */
#define PREFIX "/certificates/"

/* Media type of ct is type (parameters ignored). */
static int media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    if (!ct)
        return 0;
    ct += strspn(ct, " \t");
    return !strncasecmp(ct, type, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The value of key in an application/x-www-form-urlencoded body, decoded
 * into out: 1 found, 0 not. */
static int form_field(const char *body, size_t len, const char *key, struct buf *out)
{
    size_t klen = strlen(key);
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *v;
        if (!amp)
            amp = end;
        if ((size_t)(amp - p) > klen && !memcmp(p, key, klen) && p[klen] == '=') {
            for (v = p + klen + 1; v < amp; v++) {
                int hi, lo;
                if (*v == '+')
                    buf_addc(out, ' ');
                else if (*v == '%' && amp - v > 2 && (hi = codec_hex_value(v[1])) >= 0 &&
                         (lo = codec_hex_value(v[2])) >= 0)
                    buf_addc(out, (char)(hi * 16 + lo)), v += 2;
                else
                    buf_addc(out, *v);
            }
            return 1;
        }
        p = amp + 1;
    }
    return 0;
}

/* A reason as typed: valid UTF-8, line breaks and tabs become spaces, runs
 * of spaces one, trimmed, no other control characters, 1..REASON_MAX
 * characters. 0 and the clean text in out, or -1. */
static int clean_reason(const char *s, size_t n, struct buf *out)
{
    size_t chars = 0;
    int space = 1;
    if (!utf8_valid(s, n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (!space)
                buf_addc(out, ' ');
            space = 1;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            return -1;
        buf_addc(out, (char)c);
        space = 0;
        chars += (c & 0xc0) != 0x80;
    }
    while (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    return out->len && chars <= REASON_MAX ? 0 : -1;
}

/* The reason (and for forms the token) from the body: 0, or -1 if absent. */
static int read_reason(struct http_request *rq, int form, struct buf *reason, struct buf *csrf)
{
    const char *body = rq->body.data ? rq->body.data : "";
    struct buf raw = BUF_INIT;
    int rc = -1;
    if (form) {
        form_field(body, rq->body.len, "csrf", csrf);
        if (form_field(body, rq->body.len, "reason", &raw))
            rc = clean_reason(raw.data ? raw.data : "", raw.len, reason);
    } else {
        cJSON *o = cJSON_ParseWithLength(body, rq->body.len);
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "reason");
        if (cJSON_IsString(r))
            rc = clean_reason(r->valuestring, strlen(r->valuestring), reason);
        cJSON_Delete(o);
    }
    buf_free(&raw);
    return rc;
}

static int revoked_answer(struct http_request *rq, int form, const char *id)
{
    struct store_cert c;
    struct buf loc = BUF_INIT;
    char err[256];
    int rc;
    if (form) {
        const char *lang = http_arg(rq, "lang");
        buf_addf(&loc, PREFIX "%s", id);
        if (lang)
            buf_adds(&loc, strncasecmp(lang, "en", 2) ? "?lang=pt" : "?lang=en");
        rc = http_redirect(rq, loc.data);
        buf_free(&loc);
        return rc;
    }
    rc = store_get_in(issue_store(rq->opt->issue), &rq->scope, id, &c, err, sizeof(err));
    if (rc != 0)
        return rc == 1 ? http_cert_not_found(rq) : http_cert_failed(rq, "get", err);
    rc = http_reply_json(rq, MHD_HTTP_OK, http_cert_json(rq, &c), NULL);
    store_cert_free(&c);
    return rc;
}

int http_cert_revoke(struct http_request *rq)
{
    const char *ct = http_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
    int form = media_is(ct, "application/x-www-form-urlencoded");
    struct buf reason = BUF_INIT, csrf = BUF_INIT;
    struct http_cert_path p;
    char err[256];
    int rc;
    if (http_cert_path_parse(rq->url, &p) < 0 || !p.revoke)
        return http_cert_not_found(rq);
    snprintf(rq->cert_id, sizeof(rq->cert_id), "%s", p.id);
    if (!form && !media_is(ct, "application/json"))
        return http_reply_problem(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, 0, H_NOT_REVOKED,
                                  H_UNSUPPORTED, "send application/json or the page's form", NULL);
    rc = read_reason(rq, form, &reason, &csrf);
    if (form && !http_csrf_ok(rq->staff, p.id, csrf.data, csrf.len))
        rc = http_reply_problem(rq, MHD_HTTP_FORBIDDEN, 1, H_FORBIDDEN_TITLE, H_FORBIDDEN_TEXT,
                                "form token missing or wrong", NULL);
    else if (rc < 0)
        rc = http_reply_problem(rq, MHD_HTTP_BAD_REQUEST, form, H_NOT_REVOKED, H_REASON_REQUIRED,
                                "reason: required, 1 to 500 characters of text", NULL);
    else if ((rc = store_revoke_in(issue_store(rq->opt->issue), &rq->scope, p.id, reason.data, err,
                                   sizeof(err))) == 1)
        rc = http_cert_not_found(rq);
    else if (rc < 0)
        rc = http_cert_failed(rq, "revoke", err);
    else {
        log_printf(LOG_LEVEL_INFO, "revoked id=%s by staff '%s' peer=%s", p.id, rq->staff,
                   rq->peer);
        rc = revoked_answer(rq, form, p.id);
    }
    buf_free(&reason);
    buf_free(&csrf);
    return rc;
}
