/* Holding back answers: a connection whose answer is queued is suspended
 * for a while before libmicrohttpd sends it, without holding a thread. The
 * server holds its 429s this way, so that a client that keeps failing to
 * sign in gets at most one answer per second per connection and cannot
 * crowd out valid deliveries however fast it asks.
 * Thread safety: every function may be called from any thread;
 * http_tarpit_hold only from libmicrohttpd's access handler. */
#ifndef HTTP_TARPIT_H
#define HTTP_TARPIT_H

#include <stddef.h>

#include <microhttpd.h>

struct http_tarpit;

/* Start the thread that lets held connections go after `seconds`. NULL
 * with err set when it cannot start. */
struct http_tarpit *http_tarpit_start(double seconds, size_t max, char *err, size_t errlen);
/* Let every held connection go, stop and free; before MHD_stop_daemon (a
 * suspended connection must not outlive its daemon). NULL is ok. */
void http_tarpit_stop(struct http_tarpit *t);

/* Suspend conn (its answer already queued) and let it go later: 1, or 0
 * when the tarpit is full or stopping and the answer goes at once. */
int http_tarpit_hold(struct http_tarpit *t, struct MHD_Connection *conn);

#endif
