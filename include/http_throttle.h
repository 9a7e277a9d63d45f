/* Authentication failures per client address: a fixed-size table that
 * counts each address's failures in a window of time, says when an address
 * is over its limit (answer 429 with Retry-After instead of 401), and which
 * failures to write one by one (the first of each window) and which only as
 * a count at the end of the window, so that a flood of bad requests costs
 * the audit log and the log a few lines per address per window, however
 * many requests it sends. IPv6 addresses count by their /64 network.
 * Memory is bounded: when the table is full the least recently seen
 * address of a set is evicted (its count is handed back to be written).
 * Thread safety: every function may be called from any thread. */
#ifndef HTTP_THROTTLE_H
#define HTTP_THROTTLE_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTP_THROTTLE_KEY 16 /* bytes of an address key */

/* A window's failures of one address that were not written one by one. */
struct http_throttle_summary {
    char peer[64];    /* "192.0.2.1" or "2001:db8:1:2::/64" */
    unsigned quiet;   /* failures counted but not written */
    unsigned limited; /* of which answered 429 */
    double seconds;   /* from the window's first failure to its last */
};

/* What to do with one failure. */
struct http_throttle_verdict {
    int limited;                           /* over the limit: answer 429 */
    unsigned retry_after;                  /* seconds until the window ends (1 at least) */
    int quiet;                             /* count it only: no audit line, no log line */
    int n_ended;                           /* summaries below to write now (0..2) */
    struct http_throttle_summary ended[2]; /* an ended window, an evicted address */
};

struct http_throttle;

/* A table for `limit` failures per address in `window` seconds; limit 0:
 * never 429 (failures are still aggregated). Free with http_throttle_free. */
struct http_throttle *http_throttle_new(unsigned limit, unsigned window);
void http_throttle_free(struct http_throttle *t);

/* The key and the printable name of a client address (IPv4, IPv4-mapped
 * IPv6 as IPv4, other IPv6 by its /64). 0, or -1 for other families. */
int http_throttle_key(const struct sockaddr *sa, unsigned char key[HTTP_THROTTLE_KEY], char *name,
                      size_t namelen);

/* Count one failure of the address key (name: as http_throttle_key made
 * it) and say what to do with it. */
void http_throttle_fail(struct http_throttle *t, const unsigned char key[HTTP_THROTTLE_KEY],
                        const char *name, struct http_throttle_verdict *v);

/* Summaries of windows that have ended (all of them when everything is 1,
 * e.g. at shutdown), at most max into out; how many. Cheap when none are
 * due: call it after every request. */
size_t http_throttle_due(struct http_throttle *t, int everything, struct http_throttle_summary *out,
                         size_t max);

#endif
