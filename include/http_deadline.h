/* A deadline for receiving each request whole. libmicrohttpd 0.9.75's
 * connection timeout only measures idleness, so a client that sends its
 * headers (or body) a byte a second would hold its connection for hours; a
 * watcher thread shuts such connections down.
 * Thread safety: every function may be called from any thread; the
 * connection calls come from libmicrohttpd's callbacks. */
#ifndef HTTP_DEADLINE_H
#define HTTP_DEADLINE_H

#include <stddef.h>

struct http_deadline;

/* Start the watcher: a request must arrive whole within `seconds` of its
 * connection being ready for it (accepted, or done with the previous
 * request). NULL with err set when the thread cannot start. */
struct http_deadline *http_deadline_start(double seconds, char *err, size_t errlen);
/* Stop and free; call after every watched connection is closed. NULL is ok. */
void http_deadline_stop(struct http_deadline *d);

/* A connection was accepted: watch socket fd (peer names it in the log).
 * *slot is libmicrohttpd's socket context, where the watch is kept. */
void http_deadline_open(struct http_deadline *d, void **slot, int fd, const char *peer);
/* The connection is about to be closed: stop watching (before fd closes). */
void http_deadline_close(struct http_deadline *d, void **slot);
/* The request on the connection of slot has arrived whole: no deadline
 * while it is answered. */
void http_deadline_received(struct http_deadline *d, void *watch);
/* The answer is sent: the next request's deadline starts now. */
void http_deadline_next(struct http_deadline *d, void *watch);
/* 1 when the watcher cut the current request of slot short. */
int http_deadline_expired(struct http_deadline *d, void *watch);

#endif
