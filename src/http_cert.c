/* One certificate, for staff: GET /certificates/{id} as JSON metadata with
 * every revision, or as a details page with download links and the revoke
 * form; the PDF paths are handed to http_pdf.c. Ids that are not exactly the
 * store's form are "not found" before the archive is asked anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "http_int.h"
#include "banned.h"

#define ID_LEN 16      /* see store_id_make */
#define REASON_MAX 500 /* characters of a revocation reason, as in http_revoke.c */
#define PREFIX "/certificates/"

/* ---- paths ---- */

static int id_ok(const char *s, size_t n)
{
    if (n != ID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7')))
            return 0;
    return 1;
}

int http_cert_path_parse(const char *url, struct http_cert_path *p)
{
    const char *rest = url + strlen(PREFIX);
    size_t n = strcspn(rest, "/.");
    int64_t rev = 0;
    memset(p, 0, sizeof(*p));
    if (strncmp(url, PREFIX, strlen(PREFIX)) != 0 || !id_ok(rest, n))
        return -1;
    memcpy(p->id, rest, n);
    rest += n;
    if (!*rest)
        return 0;
    if (!strcmp(rest, ".pdf"))
        return p->pdf = 1, 0;
    if (!strcmp(rest, "/revoke"))
        return p->revoke = 1, 0;
    if (strncmp(rest, "/r", 2) != 0 || rest[2] < '1' || rest[2] > '9')
        return -1;
    for (rest += 2; *rest >= '0' && *rest <= '9' && rev < 1000000; rest++)
        rev = rev * 10 + (*rest - '0');
    if (rev >= 1000000 || strcmp(rest, ".pdf") != 0)
        return -1;
    p->pdf = 1;
    p->revision = (int)rev;
    return 0;
}

int http_cert_not_found(struct http_request *rq)
{
    return http_reply_problem(rq, MHD_HTTP_NOT_FOUND, 0, H_NOT_FOUND_TITLE, H_CERT_NOT_FOUND,
                              "no such certificate", NULL);
}

int http_cert_failed(struct http_request *rq, const char *what, const char *err)
{
    snprintf(rq->error, sizeof(rq->error), "%s: %s", what, err);
    return http_reply_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, H_ERROR_TITLE, H_ERROR_TEXT,
                              "cannot read the archive now", NULL);
}

/* ---- JSON ---- */

const char *http_status_name(int revoked, int expired)
{
    return revoked ? "revoked" : expired ? "expired" : "valid";
}

static void add_opt_string(cJSON *o, const char *key, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *revision_json(struct http_request *rq, const struct store_cert *c,
                            const struct store_revision *r)
{
    cJSON *o = cJSON_CreateObject();
    struct buf b = BUF_INIT;
    cJSON_AddNumberToObject(o, "revision", r->revision);
    cJSON_AddStringToObject(o, "verification_code", r->code);
    cJSON_AddStringToObject(o, "created_at", r->created_at);
    if (r->send_at[0])
        cJSON_AddStringToObject(o, "send_at", r->send_at);
    cJSON_AddBoolToObject(o, "superseded", r->superseded);
    cJSON_AddStringToObject(o, "sha256", r->sha256);
    http_json_add_int(o, "size", r->size);
    buf_addf(&b, "/certificates/%s/r%d.pdf", c->id, r->revision);
    cJSON_AddStringToObject(o, "pdf_url", b.data);
    buf_reset(&b);
    issue_verify_url(&b, rq->opt->cfg->public_url, r->code);
    cJSON_AddStringToObject(o, "verify_url", b.data);
    buf_free(&b);
    return o;
}

cJSON *http_cert_json(struct http_request *rq, const struct store_cert *c)
{
    cJSON *o = cJSON_CreateObject(), *revs;
    char path[64];
    cJSON_AddStringToObject(o, "id", c->id);
    http_json_add_int(o, "institution_id", c->institution_id);
    http_json_add_int(o, "user_id", c->user_id);
    cJSON_AddStringToObject(o, "user_name", c->user_name);
    cJSON_AddStringToObject(o, "user_email", c->user_email);
    add_opt_string(o, "user_cpf", c->user_cpf);
    http_json_add_int(o, "course_id", c->course_id);
    cJSON_AddStringToObject(o, "course_name", c->course_name);
    add_opt_string(o, "workload", c->workload);
    http_json_add_int(o, "school_id", c->school_id);
    cJSON_AddStringToObject(o, "school_name", c->school_name);
    cJSON_AddStringToObject(o, "type", c->type);
    add_opt_string(o, "enrolled_at", c->enrolled_at);
    cJSON_AddStringToObject(o, "concluded_at", c->concluded_at);
    cJSON_AddStringToObject(o, "certified_at", c->certified_at);
    if (c->has_approval_rate)
        cJSON_AddNumberToObject(o, "approval_rate", c->approval_rate);
    else
        cJSON_AddNullToObject(o, "approval_rate");
    cJSON_AddNumberToObject(o, "latest_revision", c->latest);
    cJSON_AddStringToObject(o, "status", http_status_name(c->revoked, c->expired));
    add_opt_string(o, "revoked_at", c->revoked ? c->revoked_at : NULL);
    add_opt_string(o, "revoke_reason", c->revoked ? c->revoke_reason : NULL);
    add_opt_string(o, "expires_at", c->expires_at);
    snprintf(path, sizeof(path), PREFIX "%s.pdf", c->id);
    cJSON_AddStringToObject(o, "pdf_url", path);
    revs = cJSON_AddArrayToObject(o, "revisions");
    for (size_t i = 0; i < c->n_revs; i++)
        cJSON_AddItemToArray(revs, revision_json(rq, c, &c->revs[i]));
    return o;
}

/* ---- the details page ---- */

static void row_begin(struct buf *o, enum i18n_locale loc, enum html_str label)
{
    html_elem(o, "dt", html_str(loc, label));
    buf_adds(o, "<dd>");
}

static void row_text(struct buf *o, enum i18n_locale loc, enum html_str label, const char *v)
{
    row_begin(o, loc, label);
    html_text(o, v);
    buf_adds(o, "</dd>");
}

static void row_date(struct buf *o, enum i18n_locale loc, enum html_str label, const char *v)
{
    if (!v || !*v)
        return;
    row_begin(o, loc, label);
    html_date(o, loc, v);
    buf_adds(o, "</dd>");
}

/* "Status: valid", "valid until DATE", "expired on DATE" or "revoked on
 * DATE: REASON", as a coloured line. */
static void status_line(struct buf *o, enum i18n_locale loc, const struct store_cert *c)
{
    struct buf date = BUF_INIT;
    const char *args[2];
    buf_addf(o, "<p class=\"status %s\">", c->revoked ? "bad" : c->expired ? "warn" : "ok");
    html_escape(o, html_str(loc, H_STATUS));
    buf_adds(o, ": ");
    if (c->revoked) {
        html_date_text(&date, loc, c->revoked_at);
        args[0] = date.data ? date.data : "";
        args[1] = c->revoke_reason ? c->revoke_reason : "";
        html_textf(o, html_str(loc, H_REVOKED_ON), args);
    } else if (c->expires_at[0]) {
        html_date_text(&date, loc, c->expires_at);
        args[0] = date.data ? date.data : "";
        html_textf(o, html_str(loc, c->expired ? H_EXPIRED_ON : H_VALID_UNTIL), args);
    } else {
        html_escape(o, html_str(loc, H_VALID));
    }
    buf_adds(o, "</p>");
    buf_free(&date);
}

static void details(struct buf *o, enum i18n_locale loc, const struct store_cert *c)
{
    const struct store_revision *last = c->n_revs ? &c->revs[c->n_revs - 1] : NULL;
    int achievement = c->type && !strcmp(c->type, "achievement");
    buf_adds(o, "<section class=\"card\"><dl>");
    row_text(o, loc, H_EMAIL, c->user_email);
    if (c->user_cpf && *c->user_cpf) {
        struct buf cpf = BUF_INIT;
        i18n_cpf(c->user_cpf, &cpf);
        row_text(o, loc, H_CPF, cpf.data);
        buf_free(&cpf);
    }
    row_begin(o, loc, H_COURSE);
    html_text(o, c->course_name);
    buf_addf(o, " <span class=\"muted\">(id %lld)</span></dd>", (long long)c->course_id);
    row_begin(o, loc, H_SCHOOL);
    html_text(o, c->school_name);
    buf_addf(o, " <span class=\"muted\">(%s %lld)</span></dd>",
             loc == I18N_EN ? "institution" : "instituição", (long long)c->institution_id);
    row_begin(o, loc, H_WORKLOAD);
    html_workload(o, loc, c->workload);
    buf_adds(o, "</dd>");
    row_text(o, loc, H_TYPE, html_str(loc, achievement ? H_ACHIEVEMENT : H_PARTICIPATION));
    if (achievement && c->has_approval_rate) {
        struct buf pct = BUF_INIT;
        i18n_percent(loc, c->approval_rate, &pct);
        row_text(o, loc, H_APPROVAL, pct.data);
        buf_free(&pct);
    }
    row_date(o, loc, H_ENROLLED, c->enrolled_at);
    row_date(o, loc, H_CONCLUDED, c->concluded_at);
    row_date(o, loc, H_CERTIFIED, c->certified_at);
    if (last) {
        row_begin(o, loc, H_CODE);
        buf_addf(o, "<span class=\"code\">%s</span> · <a href=\"/verify/%s\">", last->code,
                 last->code);
        html_escape(o, html_str(loc, H_PUBLIC_PAGE));
        buf_adds(o, "</a></dd>");
    }
    buf_addf(o, "<dt>PDF</dt><dd><a href=\"" PREFIX "%s.pdf\" type=\"application/pdf\">", c->id);
    html_escape(o, html_str(loc, H_OPEN_PDF));
    buf_addf(o, "</a></dd><dt>ID</dt><dd class=\"code\">%s</dd></dl></section>", c->id);
}

static void revisions(struct buf *o, enum i18n_locale loc, const struct store_cert *c)
{
    static const enum html_str heads[] = {H_REVISION, H_CODE, H_ARCHIVED_AT, H_STATUS, H_SIZE};
    buf_adds(o, "<section class=\"card\">");
    html_elem(o, "h2", html_str(loc, H_REVISIONS));
    buf_adds(o, "<div class=\"table\"><table class=\"list\"><thead><tr>");
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
        html_elem(o, "th", html_str(loc, heads[i]));
    buf_adds(o, "<th>PDF</th></tr></thead><tbody>");
    for (size_t i = c->n_revs; i-- > 0;) {
        const struct store_revision *r = &c->revs[i];
        const char *const label[] = {html_str(loc, H_REVISION),    html_str(loc, H_CODE),
                                     html_str(loc, H_ARCHIVED_AT), html_str(loc, H_STATUS),
                                     html_str(loc, H_SIZE),        "PDF"};
        buf_adds(o, "<tr><td data-label=\"");
        html_escape(o, label[0]);
        buf_addf(o, "\">%d</td><td data-label=\"", r->revision);
        html_escape(o, label[1]);
        buf_addf(o, "\"><span class=\"code\">%s</span></td><td data-label=\"", r->code);
        html_escape(o, label[2]);
        buf_adds(o, "\">");
        html_date_short(o, loc, r->created_at);
        buf_adds(o, "</td><td data-label=\"");
        html_escape(o, label[3]);
        buf_addf(o, "\"><span class=\"badge %s\">", r->superseded ? "warn" : "ok");
        html_escape(o, html_str(loc, r->superseded ? H_SUPERSEDED_SHORT : H_CURRENT));
        buf_adds(o, "</span></td><td data-label=\"");
        html_escape(o, label[4]);
        buf_addf(o,
                 "\">%lld KB</td><td data-label=\"PDF\"><a href=\"" PREFIX
                 "%s/r%d.pdf\" type=\"application/pdf\">PDF</a></td></tr>",
                 (long long)((r->size + 1023) / 1024), c->id, r->revision);
    }
    buf_adds(o, "</tbody></table></div></section>");
}

static void revoke_form(struct buf *o, enum i18n_locale loc, const struct store_cert *c,
                        const char *csrf, const char *lq)
{
    buf_adds(o, "<section class=\"card\">");
    html_elem(o, "h2", html_str(loc, H_REVOKE_TITLE));
    buf_addf(o, "<form method=\"post\" action=\"" PREFIX "%s/revoke%s\">", c->id, lq);
    buf_addf(o, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", csrf);
    buf_adds(o, "<label for=\"reason\">");
    html_escape(o, html_str(loc, H_REVOKE_REASON));
    buf_addf(o,
             "</label><textarea id=\"reason\" name=\"reason\" rows=\"2\" required "
             "maxlength=\"%d\"></textarea><p class=\"muted\">",
             REASON_MAX);
    html_escape(o, html_str(loc, H_REVOKE_WARNING));
    buf_adds(o, "</p><button class=\"danger\" type=\"submit\">");
    html_escape(o, html_str(loc, H_REVOKE_BUTTON));
    buf_adds(o, "</button></form></section>");
}

static int details_page(struct http_request *rq, const struct store_cert *c)
{
    struct http_page pg;
    char csrf[HTTP_CSRF_LEN + 1];
    http_page_begin(rq, &pg, c->user_name, 1);
    buf_adds(&pg.out, "<p class=\"muted\">");
    html_escape(&pg.out, html_str(pg.loc, H_CERTIFICATE));
    buf_adds(&pg.out, "</p>");
    html_elem_text(&pg.out, "h1", c->user_name);
    status_line(&pg.out, pg.loc, c);
    details(&pg.out, pg.loc, c);
    revisions(&pg.out, pg.loc, c);
    if (!c->revoked && http_csrf_token(rq->staff, c->id, csrf) == 0)
        revoke_form(&pg.out, pg.loc, c, csrf, pg.lang_query);
    return http_page_reply(rq, &pg, MHD_HTTP_OK, NULL);
}

/* ---- GET ---- */

/* The PDF, reading the index again once if its file was re-made meanwhile. */
static int send_pdf(struct http_request *rq, const struct http_cert_path *p)
{
    struct store_cert c;
    char err[256];
    int rc;
    for (int tries = 0; tries < 2; tries++) {
        rc = store_get_in(issue_store(rq->opt->issue), &rq->scope, p->id, &c, err, sizeof(err));
        if (rc == 1)
            return http_cert_not_found(rq);
        if (rc < 0)
            return http_cert_failed(rq, "get", err);
        rc = http_pdf_send(rq, &c, p->revision);
        store_cert_free(&c);
        if (rc != 1)
            return rc;
    }
    return http_cert_failed(rq, "pdf", "the file the index names is missing");
}

int http_cert_get(struct http_request *rq)
{
    struct http_cert_path p;
    struct store_cert c;
    char err[256];
    int rc;
    if (http_cert_path_parse(rq->url, &p) < 0 || p.revoke)
        return http_cert_not_found(rq);
    snprintf(rq->cert_id, sizeof(rq->cert_id), "%s", p.id);
    if (p.pdf)
        return send_pdf(rq, &p);
    rc = store_get_in(issue_store(rq->opt->issue), &rq->scope, p.id, &c, err, sizeof(err));
    if (rc == 1)
        return http_cert_not_found(rq);
    if (rc < 0)
        return http_cert_failed(rq, "get", err);
    if (http_wants_html(rq, 0))
        rc = details_page(rq, &c);
    else
        rc = http_reply_json(rq, MHD_HTTP_OK, http_cert_json(rq, &c), NULL);
    store_cert_free(&c);
    return rc;
}
