/* The HTTP side of `certifica serve` on libmicrohttpd: the server and its
 * route table (http_server.c), the webhook receiver (http_webhook.c), and
 * the helpers every route uses to answer and to log.
 * Thread safety: the server runs handlers on a pool of threads; a struct
 * http_request belongs to the thread running its handler; http_options is
 * read-only once the server runs; http_log may be called from any thread. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <time.h>

#include <microhttpd.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
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
};

/* A route: exact path, allowed methods (the Allow header), and handlers.
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

/* One log line on stderr: "2024-06-01T12:00:00Z info: message". level is
 * "info", "warn" or "error". Control characters are replaced and CPF-like
 * digit runs masked, so network text cannot forge lines or leak a CPF. */
__attribute__((format(printf, 2, 3))) void http_log(const char *level, const char *fmt, ...);

#endif
