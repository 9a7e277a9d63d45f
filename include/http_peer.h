/* Who a request comes from, for the log, the audit records and the limits
 * on failed sign-ins: the connection's peer, or, when that peer is one of
 * the proxies the server trusts (trust_proxy), the client the proxies name
 * in X-Forwarded-For. Read-only state: safe from every server thread. */
#ifndef HTTP_PEER_H
#define HTTP_PEER_H

#include <stddef.h>

#include <microhttpd.h>

#include "config.h"
#include "http_throttle.h"

/* The trusted proxies, parsed once from trust_proxy. */
struct http_proxies {
    unsigned char addr[CONFIG_PROXIES_MAX][16]; /* IPv4 as ::ffff:a.b.c.d */
    size_t n;
};

/* Parse s (trust_proxy, NULL: none) into p. 0, or -1 with err. */
int http_peer_proxies(const char *s, struct http_proxies *p, char *err, size_t errlen);

/* The connection's own peer address as text ("unknown" when there is none). */
void http_peer_addr(struct MHD_Connection *conn, char *out, size_t n);

/* The client of a request on conn whose headers have arrived: its address
 * as text (name, n bytes), and its key and key name in the failure tables.
 * When the peer is a trusted proxy, the client is the last address of
 * X-Forwarded-For that is not a trusted proxy itself (an address a proxy
 * added, never one the client could have written, as long as every proxy
 * on the way is listed); a header that does not parse leaves the last hop
 * that did. */
void http_peer_find(struct MHD_Connection *conn, const struct http_proxies *p, char *name,
                    size_t n, unsigned char key[HTTP_THROTTLE_KEY], char *group, size_t glen);

#endif
