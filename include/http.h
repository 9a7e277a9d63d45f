/* The HTTP side of `certifica serve` on libmicrohttpd: the server and its
 * route table (http_server.c), the webhook receiver (http_webhook.c), the
 * staff routes (http_auth.c, http_staff.c, http_cert.c, http_pdf.c,
 * http_revoke.c), the public verification pages (http_verify.c), and the
 * helpers every route uses to answer (http_server.c, http_util.c).
 * Thread safety: the server runs handlers on a pool of threads; a struct
 * http_request belongs to the thread running its handler; http_options is
 * read-only once the server runs. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <time.h>

#include <microhttpd.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "html.h"
#include "issue.h"
#include "metrics.h"
#include "whsig.h"

/* What the server serves with; all borrowed, outliving the server. */
struct http_options {
    const struct config *cfg;
    unsigned threads; /* resolved: at least 1 */
    struct issue *issue;
    struct audit *audit;            /* NULL: no audit log */
    const char *webhook_token;      /* resolved: configured or kept in the store */
    const struct whsig_key *sigkey; /* NULL: Standard Webhooks signatures off */
};

/* One request, from its headers to its completion; owned by the server. */
struct http_server;

struct http_request {
    struct http_server *srv;
    const struct http_options *opt;
    struct MHD_Connection *conn;
    const char *method; /* owned by libmicrohttpd, valid until completion */
    const char *url;    /* the path, percent-decoded (see README); same lifetime */
    const struct http_route *route;
    struct buf body;
    struct timespec start;
    char peer[64]; /* client address */
    int status;    /* status queued, 0 before */
    int closed;    /* answered and closed on purpose (413 mid-body) */
    /* What the audit log and the request's log line say. */
    char slug[128];
    char cert_id[64];
    int revision;
    const char *outcome; /* static string or NULL */
    char error[512];
    char staff[64]; /* the staff account that signed in, "" otherwise */
};

/* A route: a path pattern, allowed methods (the Allow header), and handlers.
 * In a pattern '*' stands for one path segment (one or more characters other
 * than '/'); anything else must match exactly. The first match wins.
 * begin runs once the headers are in (it may answer at once, e.g. 401);
 * end runs once the whole body is in, unless begin answered. */
struct http_route {
    const char *path;
    enum metrics_route metric;
    const char *allow; /* "POST" or "GET, HEAD" */
    int (*begin)(struct http_request *rq);
    int (*end)(struct http_request *rq);
};

/* Listen on cfg->listen and serve. NULL with err set (e.g. the address is
 * in use). Stop with http_quiesce, http_drain, http_stop. */
struct http_server *http_start(const struct http_options *opt, char *err, size_t errlen);
/* Stop accepting connections; answers from now on say "Connection: close". */
void http_quiesce(struct http_server *srv);
/* Wait up to seconds for requests in flight to complete; how many remain. */
int http_drain(struct http_server *srv, double seconds);
/* Close every connection, join the threads, free. */
void http_stop(struct http_server *srv);

/* Answers. Each queues one response for rq and records its status; 0, or
 * -1 when libmicrohttpd refused it (the handler then returns failure and
 * the connection is closed). headers: NULL or name, value pairs then NULL. */
int http_reply(struct http_request *rq, int status, const char *content_type, const void *body,
               size_t len, const char *const *headers);
/* obj is consumed (cJSON_Delete'd); Content-Type application/json. */
struct cJSON;
int http_reply_json(struct http_request *rq, int status, struct cJSON *obj,
                    const char *const *headers);
/* {"error": message}; message also goes to rq->error for the audit log. */
int http_reply_error(struct http_request *rq, int status, const char *message,
                     const char *const *headers);

/* Webhook handlers (http_webhook.c). */
int http_webhook_begin(struct http_request *rq);
int http_webhook_end(struct http_request *rq);
/* The one mapping from an archive outcome to an HTTP status. */
int http_webhook_status(const struct issue_result *r);
/* 1 when a Content-Type value is acceptable for a webhook body (see README). */
int http_webhook_content_type_ok(const char *content_type);

/* Queue a response the caller made (e.g. from a file), adding the headers
 * every answer carries (security headers, "Connection: close" when
 * stopping), and destroy it. Records the status; 0, or -1. */
int http_queue(struct http_request *rq, int status, struct MHD_Response *r);

/* Staff routes. http_staff_begin checks the staff token (Bearer, or the
 * password of HTTP Basic) and answers 401 without one (http_auth.c); the
 * others answer GET / and /certificates (http_staff.c), GET
 * /certificates/{id}, /certificates/{id}.pdf, /certificates/{id}/r{n}.pdf
 * (http_cert.c, http_pdf.c) and POST /certificates/{id}/revoke
 * (http_revoke.c). */
int http_staff_begin(struct http_request *rq);
int http_staff_home(struct http_request *rq);
int http_staff_search(struct http_request *rq);
int http_cert_get(struct http_request *rq);
int http_cert_revoke(struct http_request *rq);
/* GET /certificates/{id}.pdf and /certificates/{id}/r{n}.pdf for the
 * certificate c (http_pdf.c); revision 0 means the latest. 0 or -1 as
 * http_reply; 1 when the file c names is gone (re-made meanwhile by
 * rerender or recovery): nothing was answered, read c again and retry. */
int http_pdf_send(struct http_request *rq, const struct store_cert *c, int revision);

/* Public verification (http_verify.c): GET /verify (a form; ?code=
 * redirects) and GET /verify/{code}. */
int http_verify_form(struct http_request *rq);
int http_verify_code(struct http_request *rq);

/* ---- helpers for the routes above (http_util.c) ---- */

/* A request header, or NULL. */
const char *http_header(struct http_request *rq, const char *name);
/* A query parameter, or NULL when absent or empty. */
const char *http_arg(struct http_request *rq, const char *name);
/* 1 when Accept prefers text/html to application/json; default_html when
 * they tie or there is no Accept header. */
int http_wants_html(struct http_request *rq, int default_html);
/* The pages' language: ?lang=, then Accept-Language, else Portuguese;
 * *explicit (may be NULL) is 1 when ?lang= decided. */
enum i18n_locale http_locale(struct http_request *rq, int *explicit);
/* gzip (RFC 1952) of data[0..len) appended to out; 0, or -1 (zlib failed). */
int http_gzip(const void *data, size_t len, struct buf *out);
/* Like http_reply, but gzip-compressed when Accept-Encoding allows it, with
 * "Vary: Accept-Encoding" either way. */
int http_reply_body(struct http_request *rq, int status, const char *content_type, const void *body,
                    size_t len, const char *const *headers);
/* 303 See Other to a path of this server. */
int http_redirect(struct http_request *rq, const char *location);

/* An HTML page being written for rq: its shell says the title, the
 * language and the links to this page in each language. */
struct http_page {
    struct html_page html;
    enum i18n_locale loc;
    struct buf out;            /* the page so far */
    struct buf url_pt, url_en; /* this page with ?lang= set */
    char lang_query[12];       /* "" or "?lang=en": carried on links */
};

/* Start a page: language, title (plain text), the staff navigation or not. */
void http_page_begin(struct http_request *rq, struct http_page *pg, const char *title, int staff);
/* End the page, answer it (gzip when accepted), free it. 0, or -1. */
int http_page_reply(struct http_request *rq, struct http_page *pg, int status,
                    const char *const *headers);
void http_page_free(struct http_page *pg);
/* An error: a page with a title and a sentence (in the page's language)
 * when the client wants HTML (default_html on a tie), else {"error":
 * message}. message also goes to rq->error. */
int http_reply_problem(struct http_request *rq, int status, int default_html, enum html_str title,
                       enum html_str text, const char *message, const char *const *headers);

#endif
