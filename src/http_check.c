/* POST /verify/check (public): is this PDF exactly a file certifica archived?
 * The body is the file itself (application/pdf) or a browser's form upload
 * (multipart/form-data, the file in the first part that has one). The
 * answer names the certificate's code, revision and status, or says the file
 * was not issued here or was changed since. Only the file's SHA-256 is looked
 * up: nothing of the file is kept, and the body is the only memory a request
 * takes beyond a fixed amount. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "codec.h"
#include "http_int.h"
#include "log.h"
#include "banned.h"

enum check_match { CHECK_NONE, CHECK_EXACT, CHECK_EARLIER };

/* What the answer says: the match, and for one the certificate's state. */
struct check_answer {
    char sha256[65];
    enum check_match match;
    struct store_file_match file;
    const struct store_cert *cert; /* NULL unless matched */
    const char *status;            /* "valid", "superseded", "revoked" */
};

/* The value of parameter name (e.g. "boundary") of a Content-Type, without
 * quotes, into out; 0, or -1 when absent or too long. */
static int type_param(const char *ct, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
        size_t vl;
        p++;
        p += strspn(p, " \t");
        if (strncasecmp(p, name, nl) != 0 || p[nl] != '=')
            continue;
        p += nl + 1;
        if (*p == '"') {
            p++;
            vl = strcspn(p, "\"");
        } else {
            vl = strcspn(p, "; \t");
        }
        if (vl == 0 || vl >= outlen)
            return -1;
        memcpy(out, p, vl);
        out[vl] = '\0';
        return 0;
    }
    return -1;
}

/* 1 when the Content-Type's media type is type (case-insensitive). */
static int is_type(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return ct && strncasecmp(ct, type, n) == 0 && strchr("; \t", ct[n]) != NULL;
}

int http_check_begin(struct http_request *rq)
{
    const char *ct = http_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
    char boundary[72];
    if (strcmp(rq->method, "POST") != 0)
        return 0; /* GET: to the form (the language link of a result page) */
    if (is_type(ct, "application/pdf"))
        return 0;
    if (is_type(ct, "multipart/form-data") &&
        type_param(ct, "boundary", boundary, sizeof(boundary)) == 0)
        return 0;
    return http_reply_error(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "send the PDF as the body (Content-Type: application/pdf) or as a "
                            "form upload (multipart/form-data)",
                            NULL);
}

/* The file of a multipart body: the data of the first part whose headers
 * give a filename, as [*file, *file + *len) inside body. 0, or -1 when the
 * body is not multipart as its boundary says (why set). */
static int multipart_file(const char *body, size_t len, const char *boundary, const char **file,
                          size_t *flen, const char **why)
{
    char delim[80];
    size_t dl = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    const char *end = body + len, *p;

    /* The first delimiter may come without its CRLF, at the very start. */
    if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0)
        p = body + dl - 2;
    else if ((p = memmem(body, len, delim, dl)) != NULL)
        p += dl;
    else {
        *why = "the form upload has no part (boundary not found)";
        return -1;
    }
    for (;;) {
        const char *head, *data, *next;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break; /* the closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            break;
        head = p + 2;
        data = memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
        if (!data)
            break;
        data += 4;
        next = memmem(data, (size_t)(end - data), delim, dl);
        if (!next)
            break;
        /* A file part says filename= in its Content-Disposition. */
        if (memmem(head, (size_t)(data - head), "filename=", 9)) {
            *file = data;
            *flen = (size_t)(next - data);
            return 0;
        }
        p = next + dl;
    }
    *why = "the form upload has no file in it";
    return -1;
}

void http_check_form(struct buf *o, enum i18n_locale loc, const char *lang_query)
{
    buf_adds(o, "<form class=\"card grid\" method=\"post\" action=\"/verify/check");
    html_escape(o, lang_query ? lang_query : "");
    buf_adds(o, "\" enctype=\"multipart/form-data\"><div class=\"wide\"><label for=\"file\">");
    html_escape(o, html_str(loc, H_CHECK_PROMPT));
    buf_adds(o, "</label><input id=\"file\" name=\"file\" type=\"file\" "
                "accept=\"application/pdf,.pdf\" required></div><div><button type=\"submit\">");
    html_escape(o, html_str(loc, H_CHECK_BUTTON));
    buf_adds(o, "</button></div></form>");
}

static const char *cert_status(const struct store_cert *c, int revision)
{
    if (c->revoked)
        return "revoked";
    return revision < c->latest ? "superseded" : "valid";
}

static int reply_json(struct http_request *rq, const struct check_answer *a)
{
    static const char *const match[] = {"none", "archived", "earlier_rendering"};
    cJSON *o = cJSON_CreateObject();
    struct buf url = BUF_INIT;
    cJSON_AddStringToObject(o, "match", match[a->match]);
    cJSON_AddStringToObject(o, "sha256", a->sha256);
    if (!a->cert) {
        cJSON_AddStringToObject(o, "message", "not issued here, or changed since");
        return http_reply_json(rq, MHD_HTTP_OK, o, NULL);
    }
    cJSON_AddStringToObject(o, "verification_code", a->file.code);
    cJSON_AddNumberToObject(o, "revision", a->file.revision);
    cJSON_AddNumberToObject(o, "latest_revision", a->cert->latest);
    cJSON_AddStringToObject(o, "status", a->status);
    cJSON_AddStringToObject(o, "holder_name", a->cert->user_name ? a->cert->user_name : "");
    cJSON_AddStringToObject(o, "course_name", a->cert->course_name ? a->cert->course_name : "");
    if (a->cert->revoked)
        cJSON_AddStringToObject(o, "revoked_at", a->cert->revoked_at);
    issue_verify_url(&url, rq->opt->cfg->public_url, a->file.code);
    cJSON_AddStringToObject(o, "verify_url", url.data ? url.data : "");
    buf_free(&url);
    cJSON_AddStringToObject(o, "message",
                            a->match == CHECK_EXACT
                                ? "exactly the file archived for this revision"
                                : "an earlier rendering of this revision, re-made since");
    return http_reply_json(rq, MHD_HTTP_OK, o, NULL);
}

static int reply_page(struct http_request *rq, const struct check_answer *a)
{
    struct http_page pg;
    enum i18n_locale loc = http_locale(rq, NULL);
    http_page_begin(rq, &pg, html_str(loc, H_CHECK_TITLE), 0);
    html_elem(&pg.out, "h1", html_str(loc, H_CHECK_TITLE));
    if (!a->cert) {
        buf_adds(&pg.out, "<p class=\"status bad\" role=\"status\">✕ ");
        html_escape(&pg.out, html_str(loc, H_CHECK_NONE));
        buf_adds(&pg.out, "</p>");
    } else {
        char rev[16];
        const char *args[1] = {rev};
        int ok = !strcmp(a->status, "valid");
        snprintf(rev, sizeof(rev), "%d", a->file.revision);
        buf_addf(&pg.out, "<p class=\"status %s\" role=\"status\">%s", ok ? "ok" : "warn",
                 ok ? "✓ " : "⚠ ");
        html_textf(&pg.out, html_str(loc, a->match == CHECK_EXACT ? H_CHECK_EXACT : H_CHECK_EARLIER),
                   args);
        buf_adds(&pg.out, "</p><div class=\"card\"><p>");
        html_escape(&pg.out, html_str(loc, H_STATUS));
        buf_adds(&pg.out, ": ");
        if (a->cert->revoked) {
            struct buf date = BUF_INIT;
            const char *rargs[2];
            html_date_text(&date, loc, a->cert->revoked_at);
            rargs[0] = date.data ? date.data : "";
            rargs[1] = a->cert->revoke_reason ? a->cert->revoke_reason : "";
            html_textf(&pg.out, html_str(loc, H_REVOKED_ON), rargs);
            buf_free(&date);
        } else {
            html_escape(&pg.out, html_str(loc, ok ? H_VALID : H_SUPERSEDED));
        }
        buf_adds(&pg.out, "</p><p>");
        html_text(&pg.out, a->cert->user_name);
        buf_adds(&pg.out, " — ");
        html_text(&pg.out, a->cert->course_name);
        buf_adds(&pg.out, "</p><p><a href=\"/verify/");
        html_escape(&pg.out, a->file.code);
        html_escape(&pg.out, pg.lang_query);
        buf_adds(&pg.out, "\">");
        html_escape(&pg.out, html_str(loc, H_CHECK_DETAILS));
        buf_adds(&pg.out, "</a></p></div>");
    }
    buf_addf(&pg.out, "<p class=\"muted\">SHA-256 <span class=\"code\">%s</span></p>", a->sha256);
    return http_page_reply(rq, &pg, MHD_HTTP_OK, NULL);
}

static int bad_file(struct http_request *rq, const char *why, int form)
{
    return http_reply_problem(rq, MHD_HTTP_BAD_REQUEST, form, H_CHECK_TITLE, H_CHECK_NOT_PDF, why,
                              NULL);
}

int http_check_end(struct http_request *rq)
{
    const char *ct = http_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE), *file, *why = NULL;
    size_t len;
    int form = !is_type(ct, "application/pdf"), rc;
    unsigned char md[32];
    unsigned int mdlen = 0;
    struct check_answer a;
    struct store_cert c;
    char boundary[72], err[256];

    if (strcmp(rq->method, "POST") != 0) { /* the form is on /verify */
        const char *lang = http_arg(rq, "lang");
        return http_redirect(rq, !lang                       ? "/verify"
                                 : strncasecmp(lang, "en", 2) ? "/verify?lang=pt"
                                                              : "/verify?lang=en");
    }
    memset(&a, 0, sizeof(a));
    file = rq->body.data ? rq->body.data : "";
    len = rq->body.len;
    if (form && (type_param(ct, "boundary", boundary, sizeof(boundary)) < 0 ||
                 multipart_file(file, len, boundary, &file, &len, &why) < 0))
        return bad_file(rq, why ? why : "no boundary", form);
    if (len < 5 || memcmp(file, "%PDF-", 5) != 0)
        return bad_file(rq, "not a PDF: a PDF file starts with %PDF-", form);
    if (!EVP_Digest(file, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md)) {
        snprintf(rq->error, sizeof(rq->error), "verify/check: SHA-256 failed");
        return http_reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot check the file now",
                                NULL);
    }
    codec_hex(md, sizeof(md), a.sha256);
    rc = store_find_file(issue_store(rq->opt->issue), a.sha256, &a.file, err, sizeof(err));
    if (rc == 0)
        rc = store_get_by_code(issue_store(rq->opt->issue), a.file.code, &c, NULL, err,
                               sizeof(err));
    if (rc < 0) {
        snprintf(rq->error, sizeof(rq->error), "verify/check: %s", err);
        return http_reply_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, form, H_ERROR_TITLE,
                                  H_ERROR_TEXT, "cannot read the archive now", NULL);
    }
    if (rc == 0) {
        a.match = a.file.earlier ? CHECK_EARLIER : CHECK_EXACT;
        a.cert = &c;
        a.status = cert_status(&c, a.file.revision);
        snprintf(rq->cert_id, sizeof(rq->cert_id), "%s", c.id);
        rq->revision = a.file.revision;
    }
    rq->outcome = a.match == CHECK_EXACT ? "archived" : a.match ? "earlier rendering" : "none";
    rc = http_wants_html(rq, form) ? reply_page(rq, &a) : reply_json(rq, &a);
    if (a.cert)
        store_cert_free(&c);
    return rc;
}
