/* The HTTP side of `certifica serve` on libmicrohttpd. Its files, bottom to
 * top: http_request.c (what a request says: headers, parameters,
 * negotiation), http_reply.c (every way of answering), the route handlers
 * (http_webhook.c, the staff routes http_auth.c, http_staff.c, http_cert.c,
 * http_pdf.c, http_revoke.c, the public pages http_verify.c, the operations
 * routes http_ops.c), the route table that alone knows them all
 * (http_routes.c), and the server (http_server.c, with http_deadline.c):
 * the daemon and the request cycle. Each calls only files below it.
 * Thread safety: the server runs handlers on a pool of threads; a struct
 * http_request belongs to the thread running its handler; http_options is
 * read-only once the server runs. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "audit.h"
#include "config.h"
#include "issue.h"
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

struct http_server;

/* Listen on cfg->listen and serve. NULL with err set (e.g. the address is
 * in use). Stop with http_quiesce, http_drain, http_stop. */
struct http_server *http_start(const struct http_options *opt, char *err, size_t errlen);
/* Stop accepting connections; answers from now on say "Connection: close". */
void http_quiesce(struct http_server *srv);
/* Wait up to seconds for requests in flight to complete; how many remain. */
int http_drain(struct http_server *srv, double seconds);
/* Close every connection, join the threads, free. */
void http_stop(struct http_server *srv);

#endif
