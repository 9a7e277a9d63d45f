/* POST /webhooks: check the credentials and the content type as soon as the
 * headers are in, verify Standard Webhooks signatures once the body is in,
 * hand the body to issue_event and answer per SPEC §5. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "http_int.h"
#include "log.h"
#include "metrics.h"
#include "banned.h"

static const char *const auth_headers[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                           "Bearer realm=\"certifica webhook\"", NULL};

static const char *header(struct http_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* 401, or 429 once this client has failed too often (http_throttle.h):
 * every failed sign-in, whatever was wrong with it, counts. */
static int refuse(struct http_request *rq, const char *message)
{
    char retry[16], msg[128];
    const char *h[] = {MHD_HTTP_HEADER_RETRY_AFTER, retry, NULL};
    if (!rq->webhook_fails)
        return http_reply_error(rq, MHD_HTTP_UNAUTHORIZED, message, auth_headers);
    http_throttle_fail(rq->webhook_fails, rq->peer_key, rq->peer_group, &rq->fail);
    if (!rq->fail.limited)
        return http_reply_error(rq, MHD_HTTP_UNAUTHORIZED, message, auth_headers);
    snprintf(retry, sizeof(retry), "%u", rq->fail.retry_after);
    snprintf(msg, sizeof(msg), "too many failed sign-ins from this address, retry in %u s",
             rq->fail.retry_after);
    rq->hold = 1;
    return http_reply_error(rq, MHD_HTTP_TOO_MANY_REQUESTS, msg, h);
}

/* The presented token: "Authorization: Bearer T", else "?token=T". */
static const char *presented_token(struct http_request *rq, size_t *len)
{
    const char *auth = header(rq, MHD_HTTP_HEADER_AUTHORIZATION), *v = NULL;
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        auth += 7;
        while (*auth == ' ')
            auth++;
        *len = strlen(auth);
        while (*len > 0 && auth[*len - 1] == ' ')
            (*len)--;
        return auth;
    }
    v = http_arg(rq, "token"); /* exactly "token": libmicrohttpd's look-up ignores case */
    *len = v ? strlen(v) : 0;
    return v;
}

int http_webhook_content_type_ok(const char *ct)
{
    size_t n;
    const char *p;
    if (!ct)
        return 1; /* the platform may send none: the body is JSON by contract */
    while (*ct == ' ' || *ct == '\t')
        ct++;
    n = strcspn(ct, "; \t");
    /* curl --data and many HTTP clients label any body form-urlencoded by
     * default; such a label says nothing, so the body is read as JSON. */
    if (!(n == 16 && strncasecmp(ct, "application/json", n) == 0) &&
        !(n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0))
        return 0;
    /* Parameters: only a charset, and only UTF-8, may change the reading. */
    for (p = ct + n; (p = strchr(p, ';')) != NULL;) {
        size_t vl;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "charset=", 8) != 0)
            continue;
        p += 8;
        if (*p == '"')
            p++;
        vl = strcspn(p, "\"; \t");
        if (!((vl == 5 && strncasecmp(p, "utf-8", 5) == 0) ||
              (vl == 4 && strncasecmp(p, "utf8", 4) == 0)))
            return 0;
    }
    return 1;
}

/* Header iterator: *cls becomes the first Content-Encoding value that says
 * anything but identity (the body is read as sent, never decompressed). */
static enum MHD_Result coding_is_identity(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    const char **other = cls;
    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_ENCODING) != 0)
        return MHD_YES;
    for (const char *p = value ? value : ""; *p;) {
        size_t n;
        p += strspn(p, " \t,");
        n = strcspn(p, " \t,");
        if (n && !(n == 8 && !strncasecmp(p, "identity", 8))) {
            *other = value;
            return MHD_NO;
        }
        p += n;
    }
    return MHD_YES;
}

int http_webhook_begin(struct http_request *rq)
{
    const struct http_options *opt = rq->opt;
    size_t len = 0;
    const char *tok = presented_token(rq, &len);
    const char *ct, *coding = NULL;
    int rc = 1;
    if (!tok || ((opt->cfg->require_institution_tokens ||
                  !whsig_token_equal(opt->webhook_token, tok, len)) &&
                 (rc = http_webhook_institution_token(rq, tok, len)) != 0))
        return tok && rc < 0 ? http_reply_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
                                                "cannot check credentials now", NULL)
                             : refuse(rq, "missing or wrong credentials");
    if (opt->sigkey && (!header(rq, "webhook-id") || !header(rq, "webhook-timestamp") ||
                        !header(rq, "webhook-signature")))
        return refuse(rq, whsig_status_message(WHSIG_MISSING));
    ct = header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!http_webhook_content_type_ok(ct)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "content type '%.80s' is not application/json", ct);
        return http_reply_error(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, msg, NULL);
    }
    MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, coding_is_identity, &coding);
    if (coding) {
        const char *h[] = {"Accept-Encoding", "identity", NULL};
        char msg[160];
        snprintf(msg, sizeof(msg), "content encoding '%.80s' is not supported, send the body as is",
                 coding);
        return http_reply_error(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, msg, h);
    }
    rq->snap = issue_hold(opt->issue);
    return 0;
}

int http_webhook_status(const struct issue_result *r)
{
    switch (r->status) {
    case ISSUE_STORED:
        /* nothing written: a repeated or a late delivery */
        return r->stored.outcome == STORE_UNCHANGED || r->stored.outcome == STORE_STALE
                   ? MHD_HTTP_OK
                   : MHD_HTTP_CREATED;
    case ISSUE_IGNORED:
        return MHD_HTTP_ACCEPTED;
    case ISSUE_BAD_JSON:
        return MHD_HTTP_BAD_REQUEST;
    case ISSUE_INVALID:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case ISSUE_FAILED:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* The audit's error text: every diag, "path: message; ...", cut to fit. */
static void join_diags(const struct event_diags *d, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d->n_errors && used + 1 < n; i++) {
        int w = snprintf(out + used, n - used, "%s%s%s%s", i ? "; " : "", d->errors[i].path,
                         d->errors[i].path[0] ? ": " : "", d->errors[i].message);
        if (w < 0)
            break;
        used += (size_t)w < n - used ? (size_t)w : n - used - 1;
    }
}

static cJSON *stored_body(struct http_request *rq, const struct issue_result *r)
{
    cJSON *o = cJSON_CreateObject();
    struct buf url = BUF_INIT;
    issue_verify_url(&url, r->public_url[0] ? r->public_url : rq->opt->cfg->public_url,
                     r->stored.ticket.code);
    cJSON_AddStringToObject(o, "id", r->stored.ticket.id);
    cJSON_AddNumberToObject(o, "revision", r->stored.ticket.revision);
    cJSON_AddStringToObject(o, "verification_code", r->stored.ticket.code);
    cJSON_AddStringToObject(o, "url", url.data);
    buf_free(&url);
    return o;
}

static cJSON *errors_body(const struct event_diags *d)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "errors");
    for (size_t i = 0; i < d->n_errors; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "path", d->errors[i].path);
        cJSON_AddStringToObject(e, "message", d->errors[i].message);
        cJSON_AddItemToArray(arr, e);
    }
    return o;
}

static enum metrics_cert cert_metric(enum store_outcome o)
{
    switch (o) {
    case STORE_ISSUED:
        return METRICS_ISSUED;
    case STORE_UNCHANGED:
        return METRICS_UNCHANGED;
    case STORE_STALE:
        return METRICS_STALE;
    case STORE_REVISED:
        break;
    }
    return METRICS_REVISED;
}

/* The answer to a delivery, as its issue_result says. */
static int answer(struct http_request *rq, const struct issue_result *r)
{
    const char *body = rq->body.data ? rq->body.data : "";
    int status = http_webhook_status(r), rc;

    snprintf(rq->slug, sizeof(rq->slug), "%s", r->slug);
    if (r->institution_id > 0) {
        rq->institution_id = r->institution_id;
    } else if (r->status == ISSUE_INVALID) {
        /* Refused: the audit still says which institution it was for. */
        int64_t inst;
        if (http_webhook_body_institution(body, rq->body.len, &inst) == 0 && inst > 0)
            rq->institution_id = inst;
    }
    if (r->render_ms > 0)
        metrics_observe(METRICS_RENDER, r->render_ms / 1000.0);
    if (r->store_ms > 0)
        metrics_observe(METRICS_STORE, r->store_ms / 1000.0);

    switch (r->status) {
    case ISSUE_STORED:
        snprintf(rq->cert_id, sizeof(rq->cert_id), "%s", r->stored.ticket.id);
        rq->revision = r->stored.ticket.revision;
        rq->outcome = store_outcome_name(r->stored.outcome);
        metrics_certificate(cert_metric(r->stored.outcome));
        for (size_t i = 0; i < r->diags.n_warnings; i++)
            log_printf(LOG_LEVEL_WARN, "webhook id=%s: %s: %s", rq->cert_id,
                       r->diags.warnings[i].path, r->diags.warnings[i].message);
        rc = http_reply_json(rq, status, stored_body(rq, r), NULL);
        break;
    case ISSUE_IGNORED: {
        cJSON *o = cJSON_CreateObject();
        rq->outcome = "ignored";
        cJSON_AddStringToObject(o, "status", "ignored");
        rc = http_reply_json(rq, status, o, NULL);
        break;
    }
    case ISSUE_BAD_JSON:
        join_diags(&r->diags, rq->error, sizeof(rq->error));
        rc = http_reply_error(rq, status, rq->error[0] ? rq->error : "body is not JSON in UTF-8",
                              NULL);
        break;
    case ISSUE_INVALID:
        join_diags(&r->diags, rq->error, sizeof(rq->error));
        rc = http_reply_json(rq, status, errors_body(&r->diags), NULL);
        break;
    case ISSUE_FAILED:
    default: {
        /* The platform retries on 5xx; the details stay in our log. */
        static const char *const retry[] = {MHD_HTTP_HEADER_RETRY_AFTER, "30", NULL};
        snprintf(rq->error, sizeof(rq->error), "%s", r->error[0] ? r->error : "archive failed");
        rc = http_reply_error(rq, status, "cannot archive the certificate now, retry later", retry);
        break;
    }
    }
    return rc;
}

/* The work of a delivery to render, on a webhook worker (http_work.h):
 * render and archive what issue_event_begin checked. */
static void issue_work(struct http_request *rq)
{
    issue_event_finish(rq->opt->issue, rq->snap, rq->pending, &rq->issue);
    rq->pending = NULL;
}

/* Once the body is in: the signature, the wall, the body's checks and the
 * look at the archive are done here, on the connection's thread, which
 * answers a redelivery or a refusal at once; a delivery to render is left
 * to a worker (issue_work), and end, called again when that is done,
 * answers. */
int http_webhook_end(struct http_request *rq)
{
    const struct http_options *opt = rq->opt;
    const char *body = rq->body.data ? rq->body.data : "";
    int rc;

    if (!rq->issued) {
        if (opt->sigkey) {
            enum whsig_status st =
                whsig_verify(opt->sigkey, header(rq, "webhook-id"), header(rq, "webhook-timestamp"),
                             header(rq, "webhook-signature"), body, rq->body.len, time(NULL));
            if (st != WHSIG_OK)
                return refuse(rq, whsig_status_message(st));
        }
        if (rq->webhook_institution && (rc = http_webhook_wall(rq, body, rq->body.len)) != 1)
            return rc;
        rq->issued = 1;
        if (!issue_event_begin(opt->issue, rq->snap, body, rq->body.len, &rq->issue,
                               &rq->pending)) {
            rq->work = issue_work;
            return 0;
        }
    }
    rc = answer(rq, &rq->issue);
    issue_result_free(&rq->issue);
    rq->issued = 0;
    return rc;
}
