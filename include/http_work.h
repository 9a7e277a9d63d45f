/* Webhook workers: a fixed pool of threads that run the slow part of a
 * request (a webhook's render and archive) while its connection is
 * suspended, in the order the requests came. A connection thread thus never
 * waits on a render or an fsync: the other connections it serves go on, and
 * the deliveries waiting at once meet in the store's group commits.
 * Thread safety: every function may be called from any thread;
 * http_work_submit only from libmicrohttpd's access handler. */
#ifndef HTTP_WORK_H
#define HTTP_WORK_H

#include <stddef.h>

#include <microhttpd.h>

struct http_work;

/* What a worker runs for a request. */
typedef void (*http_work_fn)(void *arg);

/* Start `workers` threads (at least 1). NULL with err set when one cannot
 * start. */
struct http_work *http_work_start(unsigned workers, char *err, size_t errlen);
/* Take no more work, run what is queued and join the threads: before
 * MHD_stop_daemon (a suspended connection must not outlive its daemon).
 * Submits from then on return 0. NULL is ok. */
void http_work_stop(struct http_work *w);
/* Free a stopped pool, once no thread can submit to it (after
 * MHD_stop_daemon). NULL is ok. */
void http_work_free(struct http_work *w);

/* Suspend conn and queue fn(arg); a worker runs it and then resumes conn,
 * and libmicrohttpd calls the access handler again. 1 queued, or 0 when the
 * pool is stopping (or w is NULL): nothing was done, run fn yourself. */
int http_work_submit(struct http_work *w, struct MHD_Connection *conn, http_work_fn fn, void *arg);

#endif
