/* Public verification: GET /verify/{code} tells anyone holding a certificate
 * whether it is genuine (valid, superseded by a newer revision, expired, or
 * revoked) with what the certificate says, under its institution's name and
 * logo when its tenant folder has them; GET /verify is a form to type a code.
 * Never an e-mail; a CPF only masked (***.456.789-**). A superseded
 * revision is shown as it was issued, from its archived event. The form also
 * offers to check a PDF file (http_check.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "event.h"
#include "http_int.h"
#include "log.h"
#include "banned.h"

#define PREFIX "/verify/"
#define SHOWN_CODE_MAX 40 /* bytes of an unknown code echoed on the page */

/* Revoked beats superseded, which beats expired (the expiry is the latest
 * revision's). */
enum status { V_VALID, V_SUPERSEDED, V_REVOKED, V_EXPIRED };

/* What one revision says, from the index (latest) or its archived event. */
struct view {
    const char *user_name, *course_name, *school_name, *workload, *type, *cpf;
    char enrolled_at[20], concluded_at[20], certified_at[20];
    int has_rate;
    double rate;
    const char *code;
    int revision, latest;
    enum status status;
    const char *revoked_at, *reason;
    const char *expires_at; /* "" when it never expires (or an older revision) */
};

static void view_from_cert(struct view *v, const struct store_cert *c)
{
    v->user_name = c->user_name;
    v->course_name = c->course_name;
    v->school_name = c->school_name;
    v->workload = c->workload;
    v->type = c->type;
    v->cpf = c->user_cpf;
    snprintf(v->enrolled_at, sizeof(v->enrolled_at), "%s", c->enrolled_at);
    snprintf(v->concluded_at, sizeof(v->concluded_at), "%s", c->concluded_at);
    snprintf(v->certified_at, sizeof(v->certified_at), "%s", c->certified_at);
    v->has_rate = c->has_approval_rate;
    v->rate = c->approval_rate;
}

static void view_from_event(struct view *v, const struct event *ev)
{
    v->user_name = ev->user_name;
    v->course_name = ev->course_name;
    v->school_name = ev->school_name;
    v->workload = ev->workload_raw;
    v->type = event_type_name(ev->type);
    v->cpf = ev->user_cpf;
    v->enrolled_at[0] = '\0';
    if (ev->has_enrolled_at)
        caltime_format(&ev->enrolled_at, v->enrolled_at);
    caltime_format(&ev->concluded_at, v->concluded_at);
    caltime_format(&ev->certified_at, v->certified_at);
    v->has_rate = ev->has_approval_rate;
    v->rate = ev->approval_rate;
}

/* Fill v for revision of c; an older revision is read from its archived
 * event into ev (freed by the caller with event_free). */
static void make_view(struct http_request *rq, const struct store_cert *c, int revision,
                      struct event *ev, struct view *v)
{
    const struct store_revision *rev = NULL;
    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < c->n_revs; i++)
        if (c->revs[i].revision == revision)
            rev = &c->revs[i];
    v->code = rev ? rev->code : "";
    v->revision = revision;
    v->latest = c->latest;
    v->status = c->revoked                                         ? V_REVOKED
                : (rev && rev->superseded) || revision < c->latest ? V_SUPERSEDED
                : c->expired                                       ? V_EXPIRED
                                                                   : V_VALID;
    v->expires_at = revision == c->latest ? c->expires_at : "";
    v->revoked_at = c->revoked_at;
    v->reason = c->revoke_reason ? c->revoke_reason : "";
    view_from_cert(v, c);
    if (revision != c->latest) {
        struct buf raw = BUF_INIT;
        struct event_diags d = {0};
        char err[256];
        if (store_raw_event(issue_store(rq->opt->issue), c->id, revision, &raw, err, sizeof(err)) ==
                0 &&
            event_parse(raw.data ? raw.data : "", raw.len, ev, &d) == EVENT_OK)
            view_from_event(v, ev);
        else
            log_printf(LOG_LEVEL_WARN,
                       "verify id=%s revision=%d: archived event unreadable, showing the "
                       "latest data",
                       c->id, revision);
        event_diags_free(&d);
        buf_free(&raw);
    }
}

/* "***.456.789-**" from 11 digits; "" otherwise. */
static void mask_cpf(const char *cpf, char out[16])
{
    out[0] = '\0';
    if (!cpf || strlen(cpf) != 11 || strspn(cpf, "0123456789") != 11)
        return;
    snprintf(out, 16, "***.%.3s.%.3s-**", cpf + 3, cpf + 6);
}

static const char *status_name(enum status s)
{
    static const char *const names[] = {"valid", "superseded", "revoked", "expired"};
    return names[s];
}

/* key: v, or null when v is NULL or empty. */
static void add_opt(cJSON *o, const char *key, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static int reply_json(struct http_request *rq, const struct view *v)
{
    cJSON *o = cJSON_CreateObject();
    char cpf[16];
    mask_cpf(v->cpf, cpf);
    cJSON_AddStringToObject(o, "verification_code", v->code);
    cJSON_AddStringToObject(o, "status", status_name(v->status));
    cJSON_AddBoolToObject(o, "valid", v->status == V_VALID);
    cJSON_AddNumberToObject(o, "revision", v->revision);
    cJSON_AddNumberToObject(o, "latest_revision", v->latest);
    cJSON_AddStringToObject(o, "holder_name", v->user_name ? v->user_name : "");
    add_opt(o, "holder_cpf_masked", cpf);
    cJSON_AddStringToObject(o, "course_name", v->course_name ? v->course_name : "");
    add_opt(o, "workload", v->workload);
    cJSON_AddStringToObject(o, "school_name", v->school_name ? v->school_name : "");
    cJSON_AddStringToObject(o, "type", v->type ? v->type : "");
    if (v->has_rate && v->type && !strcmp(v->type, "achievement"))
        cJSON_AddNumberToObject(o, "approval_rate", v->rate);
    add_opt(o, "enrolled_at", v->enrolled_at);
    add_opt(o, "concluded_at", v->concluded_at);
    add_opt(o, "certified_at", v->certified_at);
    add_opt(o, "expires_at", v->expires_at);
    add_opt(o, "revoked_at", v->status == V_REVOKED ? v->revoked_at : NULL);
    add_opt(o, "revoke_reason", v->status == V_REVOKED ? v->reason : NULL);
    return http_reply_json(rq, MHD_HTTP_OK, o, NULL);
}

/* ---- pages ---- */

static void code_form(struct buf *o, enum i18n_locale loc, const char *lang_query)
{
    buf_adds(o, "<form class=\"card grid\" method=\"get\" action=\"/verify\">"
                "<div class=\"wide\"><label for=\"code\">");
    html_escape(o, html_str(loc, H_VERIFY_PROMPT));
    buf_adds(o, "</label><input id=\"code\" name=\"code\" required maxlength=\"40\" "
                "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" "
                "class=\"code\" placeholder=\"XXXXX-XXXXX-XXXXX\"><span class=\"muted\">");
    html_escape(o, html_str(loc, H_VERIFY_HELP));
    buf_adds(o, "</span></div>");
    if (lang_query && *lang_query)
        buf_addf(o, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", lang_query + 6);
    buf_adds(o, "<div><button type=\"submit\">");
    html_escape(o, html_str(loc, H_VERIFY_BUTTON));
    buf_adds(o, "</button></div></form>");
}

static void status_line(struct buf *o, enum i18n_locale loc, const struct view *v)
{
    static const char *const cls[] = {"ok", "warn", "bad", "bad"};
    static const char *const mark[] = {"✓ ", "⚠ ", "✕ ", "✕ "};
    buf_addf(o, "<p class=\"status %s\" role=\"status\">%s", cls[v->status], mark[v->status]);
    html_escape(o, html_str(loc, H_STATUS));
    buf_adds(o, ": ");
    if (v->status == V_REVOKED) {
        struct buf date = BUF_INIT;
        const char *args[2];
        html_date_text(&date, loc, v->revoked_at);
        args[0] = date.data ? date.data : "";
        args[1] = v->reason;
        html_textf(o, html_str(loc, H_REVOKED_ON), args);
        buf_free(&date);
    } else if (v->status == V_EXPIRED || (v->status == V_VALID && v->expires_at[0])) {
        struct buf date = BUF_INIT;
        const char *args[1];
        html_date_text(&date, loc, v->expires_at);
        args[0] = date.data ? date.data : "";
        html_textf(o, html_str(loc, v->status == V_EXPIRED ? H_EXPIRED_ON : H_VALID_UNTIL), args);
        buf_free(&date);
    } else {
        html_escape(o, html_str(loc, v->status == V_VALID ? H_VALID : H_SUPERSEDED));
    }
    buf_adds(o, "</p>");
}

static void dt(struct buf *o, enum i18n_locale loc, enum html_str label)
{
    html_elem(o, "dt", html_str(loc, label));
    buf_adds(o, "<dd>");
}

static void facts(struct buf *o, enum i18n_locale loc, const struct view *v)
{
    int achievement = v->type && !strcmp(v->type, "achievement");
    char cpf[16];
    mask_cpf(v->cpf, cpf);
    buf_adds(o, "<section class=\"card\"><dl>");
    dt(o, loc, H_HOLDER);
    buf_adds(o, "<strong>");
    html_text(o, v->user_name);
    buf_adds(o, "</strong></dd>");
    if (cpf[0]) {
        dt(o, loc, H_CPF);
        buf_addf(o, "%s</dd>", cpf);
    }
    dt(o, loc, H_COURSE);
    html_text(o, v->course_name);
    buf_adds(o, "</dd>");
    dt(o, loc, H_WORKLOAD);
    html_workload(o, loc, v->workload);
    buf_adds(o, "</dd>");
    dt(o, loc, H_TYPE);
    html_escape(o, html_str(loc, achievement ? H_ACHIEVEMENT : H_PARTICIPATION));
    buf_adds(o, "</dd>");
    if (achievement && v->has_rate) {
        struct buf pct = BUF_INIT;
        i18n_percent(loc, v->rate, &pct);
        dt(o, loc, H_APPROVAL);
        html_escape(o, pct.data);
        buf_adds(o, "</dd>");
        buf_free(&pct);
    }
    if (v->enrolled_at[0]) {
        dt(o, loc, H_ENROLLED);
        html_date(o, loc, v->enrolled_at);
        buf_adds(o, "</dd>");
    }
    dt(o, loc, H_CONCLUDED);
    html_date(o, loc, v->concluded_at);
    buf_adds(o, "</dd>");
    dt(o, loc, H_CERTIFIED);
    html_date(o, loc, v->certified_at);
    buf_adds(o, "</dd>");
    dt(o, loc, H_SCHOOL);
    html_text(o, v->school_name);
    buf_adds(o, "</dd>");
    dt(o, loc, H_CODE);
    buf_addf(o, "<span class=\"code\">%s</span> <span class=\"muted\">(", v->code);
    html_escapef(o, html_str(loc, H_REVISION_N), v->revision);
    buf_adds(o, ")</span></dd>");
    buf_adds(o, "</dl></section>");
}

/* The institution's name and logo, when its tenant folder has them. */
static void institution(struct buf *o, const struct tenant *t)
{
    if (!t || (!t->name && !t->logo_uri))
        return;
    buf_adds(o, "<p class=\"institution\">");
    if (t->logo_uri) {
        buf_adds(o, "<img class=\"logo\" alt=\"\" src=\"");
        buf_adds(o, t->logo_uri); /* base64 and a fixed head: nothing to escape */
        buf_adds(o, "\"> ");
    }
    if (t->name) {
        buf_adds(o, "<strong>");
        html_text(o, t->name);
        buf_adds(o, "</strong>");
    }
    buf_adds(o, "</p>");
}

static int reply_page(struct http_request *rq, const struct view *v, int64_t institution_id)
{
    struct http_page pg;
    enum i18n_locale loc = http_locale(rq, NULL);
    struct issue_snapshot *snap = issue_hold(rq->opt->issue);
    http_page_begin(rq, &pg, html_str(loc, H_VERIFY_TITLE), 0);
    institution(&pg.out, issue_tenant(snap, institution_id));
    issue_release(rq->opt->issue, snap);
    html_elem(&pg.out, "h1", html_str(loc, H_VERIFY_TITLE));
    status_line(&pg.out, loc, v);
    facts(&pg.out, loc, v);
    code_form(&pg.out, loc, pg.lang_query);
    return http_page_reply(rq, &pg, MHD_HTTP_OK, NULL);
}

/* 404: no certificate has this code (shown, cut short, escaped). */
static int unknown_code(struct http_request *rq, const char *code)
{
    struct http_page pg;
    enum i18n_locale loc;
    char shown[SHOWN_CODE_MAX + 1];
    const char *args[1] = {shown};
    if (!http_wants_html(rq, 1))
        return http_reply_error(rq, MHD_HTTP_NOT_FOUND, "no certificate has this code", NULL);
    snprintf(rq->error, sizeof(rq->error), "unknown code");
    loc = http_locale(rq, NULL);
    snprintf(shown, sizeof(shown), "%s", code);
    http_page_begin(rq, &pg, html_str(loc, H_NOT_FOUND_TITLE), 0);
    html_elem(&pg.out, "h1", html_str(loc, H_VERIFY_TITLE));
    buf_adds(&pg.out, "<p class=\"status bad\" role=\"alert\">✕ ");
    html_textf(&pg.out, html_str(loc, H_CODE_NOT_FOUND), args);
    buf_adds(&pg.out, "</p>");
    code_form(&pg.out, loc, pg.lang_query);
    return http_page_reply(rq, &pg, MHD_HTTP_NOT_FOUND, NULL);
}

int http_verify_code(struct http_request *rq)
{
    const char *given = rq->url + strlen(PREFIX);
    struct store_cert c;
    struct event ev;
    struct view v;
    char code[STORE_CODE_MAX], err[256];
    int revision = 0, rc;
    if (store_code_normalize(given, code) < 0)
        return unknown_code(rq, given);
    rc = store_get_by_code(issue_store(rq->opt->issue), code, &c, &revision, err, sizeof(err));
    if (rc == 1)
        return unknown_code(rq, given);
    if (rc < 0) {
        snprintf(rq->error, sizeof(rq->error), "verify: %s", err);
        return http_reply_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, 1, H_ERROR_TITLE,
                                  H_ERROR_TEXT, "cannot read the archive now", NULL);
    }
    snprintf(rq->cert_id, sizeof(rq->cert_id), "%s", c.id);
    memset(&ev, 0, sizeof(ev));
    make_view(rq, &c, revision, &ev, &v);
    rc = http_wants_html(rq, 1) ? reply_page(rq, &v, c.institution_id) : reply_json(rq, &v);
    event_free(&ev);
    store_cert_free(&c);
    return rc;
}

int http_verify_form(struct http_request *rq)
{
    const char *given = http_arg(rq, "code");
    struct http_page pg;
    enum i18n_locale loc;
    char code[STORE_CODE_MAX];
    if (given) {
        struct buf to = BUF_INIT;
        const char *lang = http_arg(rq, "lang");
        int rc;
        if (store_code_normalize(given, code) < 0)
            return unknown_code(rq, given);
        buf_addf(&to, PREFIX "%s", code);
        if (lang)
            buf_adds(&to, strncasecmp(lang, "en", 2) ? "?lang=pt" : "?lang=en");
        rc = http_redirect(rq, to.data);
        buf_free(&to);
        return rc;
    }
    loc = http_locale(rq, NULL);
    http_page_begin(rq, &pg, html_str(loc, H_VERIFY_TITLE), 0);
    html_elem(&pg.out, "h1", html_str(loc, H_VERIFY_TITLE));
    code_form(&pg.out, loc, pg.lang_query);
    http_check_form(&pg.out, loc, pg.lang_query);
    return http_page_reply(rq, &pg, MHD_HTTP_OK, NULL);
}
