/* One HTTP request as the handlers see it, and what it says: headers,
 * query parameters, the negotiated type, language and encoding, and the
 * percent-decoding of its path. The bottom of the HTTP files: it calls no
 * other http_*.c.
 * Thread safety: a struct http_request belongs to the thread running its
 * handler; the functions keep no state. */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <microhttpd.h>

#include "buf.h"
#include "http.h"
#include "http_throttle.h"
#include "i18n.h"
#include "issue.h"
#include "store.h"

struct http_route;

/* One request, from its headers to its completion; owned by the server. */
struct http_request {
    const struct http_options *opt;
    const atomic_int *stopping; /* the server's: 1 once it accepts no more connections */
    struct MHD_Connection *conn;
    const char *method; /* owned by libmicrohttpd, valid until completion */
    const char *url;    /* the path, percent-decoded (see README); same lifetime */
    const struct http_route *route;
    struct buf body;
    struct timespec start;
    char peer[64];                             /* client address */
    unsigned char peer_key[HTTP_THROTTLE_KEY]; /* its key in the failure tables */
    char peer_group[64];                       /* the key's name ("2001:db8::/64") */
    int status;                                /* status queued, 0 before */
    int closed;                                /* answered and closed on purpose (413 mid-body) */
    int must_close; /* the answer says "Connection: close" (doubtful framing) */
    int hold;       /* hold the answer back a while (a 429: see http_tarpit.h) */
    /* The server's tables of failed sign-ins (webhook token, staff token),
     * and what the webhook's said of this request's failure. */
    struct http_throttle *webhook_fails, *staff_fails;
    struct http_throttle_verdict fail;
    /* What the audit log and the request's log line say. */
    char slug[128];
    int64_t institution_id; /* the delivery's institution, 0 when not known */
    char cert_id[64];
    int revision;
    const char *outcome; /* static string or NULL */
    char error[512];
    char staff[64]; /* the staff account that signed in, "" otherwise */
    /* What that account may see: every route below http_staff_begin hands
     * it to the store (store_get_in, store_query.scope, store_revoke_in). */
    struct store_scope scope;
    /* The institution a webhook token is for; 0: the server-wide token. */
    int64_t webhook_institution;
    /* The tenants and templates a webhook is issued with: those in use when
     * its headers were accepted, held until completion (a SIGHUP while the
     * body arrives changes nothing for it). NULL for other routes. */
    struct issue_snapshot *snap;
    char outcome_buf[64]; /* room for an outcome made up at run time */
    /* Work a handler leaves to the server's workers (http_work.h): when end
     * returns with nothing answered and work set, the server runs work(rq)
     * on a worker thread, the connection suspended meanwhile, then calls
     * end again. The webhook keeps its result in issue (issued 1 once
     * issue_event_begin filled it) and, while a write is due, what its work
     * finishes in pending; completion frees what end did not. */
    void (*work)(struct http_request *rq);
    struct timespec queued; /* when work was handed to the workers */
    int issued;
    struct issue_result issue;
    struct issue_pending *pending;
};

/* A request header, or NULL. */
const char *http_header(struct http_request *rq, const char *name);
/* A query parameter, or NULL when absent or empty. Names are compared
 * exactly (libmicrohttpd's own look-up ignores case: "TOKEN" would match). */
const char *http_arg(struct http_request *rq, const char *name);
/* 1 when Accept prefers text/html to application/json; default_html when
 * they tie or there is no Accept header. */
int http_wants_html(struct http_request *rq, int default_html);
/* The pages' language: ?lang=, then Accept-Language, else Portuguese;
 * *explicit (may be NULL) is 1 when ?lang= decided. */
enum i18n_locale http_locale(struct http_request *rq, int *explicit);
/* 1 when Accept-Encoding allows gzip. */
int http_accepts_gzip(struct http_request *rq);

/* How a request's body is framed (RFC 9112 §6.3), judged from its headers
 * before any of the body is read. */
enum http_framing {
    HTTP_FRAMING_OK,
    HTTP_FRAMING_CLOSE,       /* usable, but close the connection after the answer */
    HTTP_FRAMING_BAD,         /* 400 and close: the length cannot be known */
    HTTP_FRAMING_UNSUPPORTED, /* 501 and close: a transfer coding other than chunked */
};
/* Judge Content-Length and Transfer-Encoding (every copy of each): differing
 * lengths or a malformed Transfer-Encoding are BAD, a coding other than
 * chunked UNSUPPORTED, both headers, or Transfer-Encoding in HTTP/1.0,
 * CLOSE. why (for BAD and UNSUPPORTED) says what is wrong. */
enum http_framing http_framing_check(struct MHD_Connection *conn, const char *version, char *why,
                                     size_t whylen);

/* libmicrohttpd's unescape callback: percent-decoding of paths and query
 * values in place, except that "%00" stays as written (a NUL would cut the
 * string short). Returns the new length. */
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s);

#endif
