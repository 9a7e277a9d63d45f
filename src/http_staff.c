/* The staff search, GET / and GET /certificates: parameters checked one by
 * one (a bad one is named in a 400), then the archive's search, as JSON for
 * API clients and as a page with a form, a table and page links for
 * browsers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "caltime.h"
#include "event.h"
#include "http_int.h"
#include "utf8.h"
#include "banned.h"

#define PAGE_MAX 100000

/* ---- the query ---- */

/* What the parameters say, or which one is wrong. */
struct search {
    struct store_query q;
    const char *bad;    /* the parameter that is wrong, NULL when none */
    enum html_str why;  /* what it should be, for the page */
    const char *why_en; /* the same for JSON */
    char why_q[96];     /* why_en for q, with its limits */
    const char *raw[8]; /* as given, to show again in the form */
};

enum { P_Q, P_COURSE, P_INST, P_TYPE, P_FROM, P_TO, P_STATUS, P_PAGE };
static const char *const param_names[] = {"q",    "course_id", "institution_id", "type",
                                          "from", "to",        "status",         "page"};

/* A whole number in 1..max, digits only; 0, or -1. */
static int parse_count(const char *s, int64_t max, int64_t *out)
{
    int64_t v = 0;
    if (!s || !*s || strlen(s) > 16)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    if (v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static void set_bad(struct search *s, const char *name, enum html_str why, const char *why_en)
{
    if (s->bad)
        return; /* the first one is reported */
    s->bad = name;
    s->why = why;
    s->why_en = why_en;
}

static void parse_ids(struct search *s)
{
    int64_t v;
    if (s->raw[P_COURSE] && parse_count(s->raw[P_COURSE], EVENT_MAX_ID, &v) == 0)
        s->q.course_id = v;
    else if (s->raw[P_COURSE])
        set_bad(s, "course_id", H_EXPECT_NUMBER, "expected a positive whole number");
    if (s->raw[P_INST] && parse_count(s->raw[P_INST], EVENT_MAX_ID, &v) == 0)
        s->q.institution_id = v;
    else if (s->raw[P_INST])
        set_bad(s, "institution_id", H_EXPECT_NUMBER, "expected a positive whole number");
}

static void parse_dates(struct search *s)
{
    struct caltime a, b;
    int fa = -1, fb = -1;
    if (s->raw[P_FROM] && (fa = caltime_parse_date(s->raw[P_FROM], &a)) < 0)
        set_bad(s, "from", H_EXPECT_DATE, "expected a date yyyy-mm-dd");
    if (s->raw[P_TO] && (fb = caltime_parse_date(s->raw[P_TO], &b)) < 0)
        set_bad(s, "to", H_EXPECT_DATE, "expected a date yyyy-mm-dd");
    if (fa == 0 && fb == 0 && caltime_cmp(&a, &b) > 0)
        set_bad(s, "to", H_EXPECT_ORDER, "the start date is after the end");
    s->q.from = fa == 0 ? s->raw[P_FROM] : NULL;
    s->q.to = fb == 0 ? s->raw[P_TO] : NULL;
}

/* 1 when q is within the search's limits (store.h), as store_search counts. */
static int q_ok(const char *q)
{
    size_t words = 0, n = strlen(q);
    if (n > STORE_Q_MAX_BYTES || !utf8_valid(q, n))
        return 0;
    for (const char *p = q; *p;) {
        p += strspn(p, " \t\n\r\f\v");
        if (!*p)
            break;
        words++;
        p += strcspn(p, " \t\n\r\f\v");
    }
    return words <= STORE_Q_MAX_WORDS;
}

static void parse_search(struct http_request *rq, struct search *s)
{
    const char *t, *pp;
    int64_t v = 0;
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++)
        s->raw[i] = http_arg(rq, param_names[i]);
    t = s->raw[P_Q];
    if (t && !q_ok(t)) {
        snprintf(s->why_q, sizeof(s->why_q), html_str(I18N_EN, H_EXPECT_TEXT), STORE_Q_MAX_BYTES,
                 STORE_Q_MAX_WORDS);
        set_bad(s, "q", H_EXPECT_TEXT, s->why_q);
    } else
        s->q.q = t;
    parse_ids(s);
    t = s->raw[P_TYPE];
    if (t && !strcasecmp(t, "participation"))
        s->q.type = "participation";
    else if (t && !strcasecmp(t, "achievement"))
        s->q.type = "achievement";
    else if (t)
        set_bad(s, "type", H_EXPECT_TYPE, "expected participation or achievement");
    parse_dates(s);
    t = s->raw[P_STATUS];
    if (t && !strcasecmp(t, "valid"))
        s->q.status = "valid";
    else if (t && !strcasecmp(t, "revoked"))
        s->q.status = "revoked";
    else if (t && !strcasecmp(t, "expired"))
        s->q.status = "expired";
    else if (t && strcasecmp(t, "all") != 0)
        set_bad(s, "status", H_EXPECT_STATUS, "expected valid, revoked or expired");
    if (s->raw[P_PAGE] && parse_count(s->raw[P_PAGE], PAGE_MAX, &v) < 0)
        set_bad(s, "page", H_EXPECT_PAGE, "expected a page number from 1 to 100000");
    s->q.page = s->raw[P_PAGE] && !s->bad ? (int)v : 1;
    pp = http_arg(rq, "per_page");
    if (pp && parse_count(pp, 100, &v) < 0)
        set_bad(s, "per_page", H_EXPECT_PER_PAGE, "expected a number from 1 to 100");
    s->q.per_page = pp && !s->bad ? (int)v : 20;
}

/* "/certificates?...&page=N" for the same query (lang carried on). */
static void search_link(struct buf *out, const struct search *s, int page, const char *lang_query)
{
    const char *v[] = {s->q.q, NULL, NULL, s->q.type, s->q.from, s->q.to, s->q.status};
    char sep = '?';
    buf_adds(out, "/certificates");
    for (int i = P_Q; i <= P_STATUS; i++) {
        if (i == P_COURSE || i == P_INST) {
            int64_t id = i == P_COURSE ? s->q.course_id : s->q.institution_id;
            if (id)
                buf_addf(out, "%c%s=%" PRId64, sep, param_names[i], id);
            sep = id ? '&' : sep;
            continue;
        }
        if (!v[i])
            continue;
        buf_addf(out, "%c%s=", sep, param_names[i]);
        html_url_encode(out, v[i]);
        sep = '&';
    }
    if (s->q.per_page != 20)
        buf_addf(out, "%cper_page=%d", sep, s->q.per_page), sep = '&';
    buf_addf(out, "%cpage=%d", sep, page);
    if (lang_query && *lang_query)
        buf_addf(out, "&%s", lang_query + 1);
}

/* ---- JSON ---- */

static cJSON *hit_json(const struct store_hit *h)
{
    cJSON *o = cJSON_CreateObject();
    char path[96];
    cJSON_AddStringToObject(o, "id", h->id);
    cJSON_AddStringToObject(o, "user_name", h->user_name ? h->user_name : "");
    cJSON_AddStringToObject(o, "course_name", h->course_name ? h->course_name : "");
    http_json_add_int(o, "course_id", h->course_id);
    cJSON_AddStringToObject(o, "school_name", h->school_name ? h->school_name : "");
    http_json_add_int(o, "institution_id", h->institution_id);
    cJSON_AddStringToObject(o, "type", h->type ? h->type : "");
    cJSON_AddStringToObject(o, "certified_at", h->certified_at);
    cJSON_AddNumberToObject(o, "revision", h->revision);
    cJSON_AddStringToObject(o, "verification_code", h->code);
    cJSON_AddStringToObject(o, "status", http_status_name(h->revoked, h->expired));
    if (h->expires_at[0])
        cJSON_AddStringToObject(o, "expires_at", h->expires_at);
    else
        cJSON_AddNullToObject(o, "expires_at");
    snprintf(path, sizeof(path), "/certificates/%s", h->id);
    cJSON_AddStringToObject(o, "url", path);
    snprintf(path, sizeof(path), "/certificates/%s.pdf", h->id);
    cJSON_AddStringToObject(o, "pdf_url", path);
    return o;
}

static int64_t n_pages(const struct store_page *p)
{
    int64_t per = p->per_page > 0 ? p->per_page : 20;
    return p->total > 0 ? (p->total + per - 1) / per : 1;
}

static int reply_json(struct http_request *rq, const struct store_page *p)
{
    cJSON *o = cJSON_CreateObject(), *arr;
    http_json_add_int(o, "total", p->total);
    cJSON_AddNumberToObject(o, "page", p->page);
    cJSON_AddNumberToObject(o, "per_page", p->per_page);
    cJSON_AddNumberToObject(o, "pages", (double)n_pages(p));
    arr = cJSON_AddArrayToObject(o, "results");
    for (size_t i = 0; i < p->n_hits; i++)
        cJSON_AddItemToArray(arr, hit_json(&p->hits[i]));
    return http_reply_json(rq, MHD_HTTP_OK, o, NULL);
}

/* ---- the page ---- */

static void form_input(struct buf *o, enum i18n_locale loc, enum html_str label, const char *name,
                       const char *value, const char *attrs)
{
    buf_addf(o, "<div><label for=\"%s\">", name);
    html_escape(o, html_str(loc, label));
    buf_addf(o, "</label><input id=\"%s\" name=\"%s\" %s value=\"", name, name, attrs);
    html_escape(o, value);
    buf_adds(o, "\"></div>");
}

static void form_select(struct buf *o, enum i18n_locale loc, enum html_str label, const char *name,
                        const char *value, const char *const *opts, const enum html_str *words)
{
    buf_addf(o, "<div><label for=\"%s\">", name);
    html_escape(o, html_str(loc, label));
    buf_addf(o, "</label><select id=\"%s\" name=\"%s\"><option value=\"\">", name, name);
    html_escape(o, html_str(loc, H_ANY));
    buf_adds(o, "</option>");
    for (int i = 0; opts[i]; i++) {
        buf_addf(o, "<option value=\"%s\"%s>", opts[i],
                 value && !strcasecmp(value, opts[i]) ? " selected" : "");
        html_escape(o, html_str(loc, words[i]));
        buf_adds(o, "</option>");
    }
    buf_adds(o, "</select></div>");
}

static void search_form(struct buf *o, enum i18n_locale loc, const struct search *s,
                        const char *lang_query)
{
    static const char *const types[] = {"participation", "achievement", NULL};
    static const enum html_str type_words[] = {H_PARTICIPATION, H_ACHIEVEMENT};
    static const char *const statuses[] = {"valid", "revoked", "expired", NULL};
    static const enum html_str status_words[] = {H_VALID_PLURAL, H_REVOKED_PLURAL,
                                                 H_EXPIRED_PLURAL};
    buf_adds(o, "<form class=\"card grid\" method=\"get\" action=\"/certificates\" role=\"search\">"
                "<div class=\"wide\"><label for=\"q\">");
    html_escape(o, html_str(loc, H_SEARCH_LABEL));
    buf_adds(o, "</label><div class=\"row\"><input id=\"q\" name=\"q\" type=\"search\" "
                "autofocus value=\"");
    html_escape(o, s->raw[P_Q]);
    buf_adds(o, "\"><button type=\"submit\">");
    html_escape(o, html_str(loc, H_SEARCH));
    buf_adds(o, "</button></div><span class=\"muted\">");
    html_escape(o, html_str(loc, H_SEARCH_HINT));
    buf_adds(o, "</span></div>");
    form_input(o, loc, H_COURSE_ID, "course_id", s->raw[P_COURSE], "inputmode=\"numeric\"");
    form_input(o, loc, H_INSTITUTION_ID, "institution_id", s->raw[P_INST], "inputmode=\"numeric\"");
    form_select(o, loc, H_TYPE, "type", s->raw[P_TYPE], types, type_words);
    form_select(o, loc, H_STATUS, "status", s->raw[P_STATUS], statuses, status_words);
    form_input(o, loc, H_FROM, "from", s->raw[P_FROM], "type=\"date\"");
    form_input(o, loc, H_TO, "to", s->raw[P_TO], "type=\"date\"");
    if (lang_query && *lang_query)
        buf_addf(o, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", lang_query + 6);
    buf_adds(o, "</form>");
}

/* One table cell with its label for narrow screens; short values do not wrap. */
static void cell_begin(struct buf *o, enum i18n_locale loc, enum html_str label)
{
    buf_adds(o, "<td data-label=\"");
    html_escape(o, html_str(loc, label));
    buf_adds(o, label == H_NAME || label == H_COURSE ? "\">" : "\" class=\"nw\">");
}

static void hit_row(struct buf *o, enum i18n_locale loc, const struct store_hit *h, const char *lq)
{
    int achievement = h->type && !strcmp(h->type, "achievement");
    buf_adds(o, "<tr>");
    cell_begin(o, loc, H_NAME);
    buf_addf(o, "<a href=\"/certificates/%s%s\">", h->id, lq);
    html_text(o, h->user_name);
    buf_adds(o, "</a></td>");
    cell_begin(o, loc, H_COURSE);
    html_text(o, h->course_name);
    buf_adds(o, "</td>");
    cell_begin(o, loc, H_TYPE);
    html_escape(o, html_str(loc, achievement ? H_ACHIEVEMENT : H_PARTICIPATION));
    buf_adds(o, "</td>");
    cell_begin(o, loc, H_DATE);
    html_date_short(o, loc, h->certified_at);
    buf_adds(o, "</td>");
    cell_begin(o, loc, H_REVISION);
    buf_addf(o, "%d</td>", h->revision);
    cell_begin(o, loc, H_STATUS);
    buf_addf(o, "<span class=\"badge %s\">", h->revoked ? "bad" : h->expired ? "warn" : "ok");
    html_escape(o, html_str(loc, h->revoked ? H_REVOKED : h->expired ? H_EXPIRED : H_VALID));
    buf_adds(o, "</span>");
    if (h->expires_at[0]) { /* "valid until ..." / "expired on ..." */
        struct buf date = BUF_INIT;
        const char *args[1];
        html_date_text(&date, loc, h->expires_at);
        args[0] = date.data ? date.data : "";
        buf_adds(o, " <span class=\"muted\">");
        html_textf(o, html_str(loc, h->expired ? H_EXPIRED_ON : H_VALID_UNTIL), args);
        buf_adds(o, "</span>");
        buf_free(&date);
    }
    buf_adds(o, "</td>");
    cell_begin(o, loc, H_OPEN_PDF);
    buf_addf(o, "<a href=\"/certificates/%s.pdf\" type=\"application/pdf\">PDF</a></td></tr>",
             h->id);
}

static void results_table(struct buf *o, enum i18n_locale loc, const struct store_page *p,
                          const char *lq)
{
    static const enum html_str heads[] = {H_NAME, H_COURSE, H_TYPE, H_DATE, H_REVISION, H_STATUS};
    buf_adds(o, "<div class=\"table\"><table class=\"list\"><thead><tr>");
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
        html_elem(o, "th", html_str(loc, heads[i]));
    buf_adds(o, "<th>PDF</th></tr></thead><tbody>");
    for (size_t i = 0; i < p->n_hits; i++)
        hit_row(o, loc, &p->hits[i], lq);
    buf_adds(o, "</tbody></table></div>");
}

static void pager(struct buf *o, enum i18n_locale loc, const struct search *s,
                  const struct store_page *p, const char *lq)
{
    int64_t pages = n_pages(p);
    struct buf link = BUF_INIT;
    buf_adds(o, "<nav class=\"pager\"><span>");
    if (p->page > 1) {
        search_link(&link, s, p->page - 1 <= pages ? p->page - 1 : (int)pages, lq);
        buf_adds(o, "<a rel=\"prev\" href=\"");
        html_escape(o, link.data);
        buf_adds(o, "\">");
        html_escape(o, html_str(loc, H_PREVIOUS));
        buf_adds(o, "</a>");
    }
    buf_adds(o, "</span><span class=\"muted\">");
    html_escapef(o, html_str(loc, H_PAGE_OF), p->page, (int)pages);
    buf_adds(o, "</span><span>");
    if (p->page < pages) {
        buf_reset(&link);
        search_link(&link, s, p->page + 1, lq);
        buf_adds(o, "<a rel=\"next\" href=\"");
        html_escape(o, link.data);
        buf_adds(o, "\">");
        html_escape(o, html_str(loc, H_NEXT));
        buf_adds(o, "</a>");
    }
    buf_adds(o, "</span></nav>");
    buf_free(&link);
}

static void bad_param_banner(struct buf *o, enum i18n_locale loc, const struct search *s)
{
    char why[160];
    snprintf(why, sizeof(why), "%s", html_str(loc, s->why));
    if (s->why == H_EXPECT_TEXT)
        snprintf(why, sizeof(why), html_str(loc, H_EXPECT_TEXT), STORE_Q_MAX_BYTES,
                 STORE_Q_MAX_WORDS);
    buf_adds(o, "<p class=\"status bad\" role=\"alert\">");
    html_escapef(o, html_str(loc, H_BAD_PARAMETER), s->bad, why);
    buf_adds(o, "</p>");
}

static int reply_page(struct http_request *rq, const struct search *s, const struct store_page *p)
{
    struct http_page pg;
    enum i18n_locale loc = http_locale(rq, NULL);
    http_page_begin(rq, &pg, html_str(loc, H_CERTIFICATES), 1);
    html_elem(&pg.out, "h1", html_str(loc, H_CERTIFICATES));
    search_form(&pg.out, loc, s, pg.lang_query);
    if (s->bad) {
        bad_param_banner(&pg.out, loc, s);
        return http_page_reply(rq, &pg, MHD_HTTP_BAD_REQUEST, NULL);
    }
    buf_adds(&pg.out, "<p class=\"muted\">");
    if (p->total == 1)
        html_escape(&pg.out, html_str(loc, H_ONE_RESULT));
    else if (p->total > 1)
        html_escapef(&pg.out, html_str(loc, H_N_RESULTS), (long long)p->total);
    else
        html_escape(&pg.out, html_str(loc, H_NO_RESULTS));
    buf_adds(&pg.out, "</p>");
    if (p->n_hits)
        results_table(&pg.out, loc, p, pg.lang_query);
    if (n_pages(p) > 1 || p->page > 1)
        pager(&pg.out, loc, s, p, pg.lang_query);
    return http_page_reply(rq, &pg, MHD_HTTP_OK, NULL);
}

/* ---- the routes ---- */

static int search(struct http_request *rq, int default_html)
{
    struct store *st = issue_store(rq->opt->issue);
    struct store_page page;
    struct search s;
    char err[256];
    int html = http_wants_html(rq, default_html), rc;
    parse_search(rq, &s);
    s.q.scope = rq->scope;
    if (s.bad && html)
        return reply_page(rq, &s, NULL);
    if (s.bad) {
        char msg[160];
        snprintf(msg, sizeof(msg), "parameter '%s': %s", s.bad, s.why_en);
        return http_reply_error(rq, MHD_HTTP_BAD_REQUEST, msg, NULL);
    }
    memset(&page, 0, sizeof(page));
    if (store_search(st, &s.q, &page, err, sizeof(err)) < 0) {
        snprintf(rq->error, sizeof(rq->error), "search: %s", err);
        return http_reply_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, default_html, H_ERROR_TITLE,
                                  H_ERROR_TEXT, "search failed", NULL);
    }
    if (page.page < 1)
        page.page = s.q.page;
    if (page.per_page < 1)
        page.per_page = s.q.per_page;
    rc = html ? reply_page(rq, &s, &page) : reply_json(rq, &page);
    store_page_free(&page);
    return rc;
}

int http_staff_home(struct http_request *rq)
{
    return search(rq, 1);
}

int http_staff_search(struct http_request *rq)
{
    return search(rq, 0);
}
