/* The client of a request: its connection's peer, or what trusted proxies
 * say of it (see http_peer.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "http_peer.h"
#include "banned.h"

static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int http_peer_proxies(const char *s, struct http_proxies *p, char *err, size_t errlen)
{
    char why[160];

    p->n = 0;
    if (!s || !*s)
        return 0;
    if (config_parse_addrs(s, p->addr, CONFIG_PROXIES_MAX, &p->n, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "trust_proxy: %s", why);
        return -1;
    }
    return 0;
}

/* sa as 16 bytes (IPv4 mapped). 0, or -1 when it is neither kind. */
static int addr16(const struct sockaddr *sa, unsigned char a[16])
{
    if (sa && sa->sa_family == AF_INET) {
        memcpy(a, mapped, sizeof(mapped));
        memcpy(a + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

static int trusted(const struct http_proxies *p, const unsigned char a[16])
{
    for (size_t i = 0; i < p->n; i++)
        if (memcmp(p->addr[i], a, 16) == 0)
            return 1;
    return 0;
}

/* The client's 16 bytes: from the rightmost hop leftwards, the first that is
 * not a trusted proxy; at a hop that does not parse, the one right of it. */
static void walk(const char *xff, const struct http_proxies *p, unsigned char a[16])
{
    size_t end = strlen(xff);

    while (trusted(p, a) && end > 0) {
        size_t start = end;
        unsigned char hop[16];
        while (start > 0 && xff[start - 1] != ',')
            start--;
        if (config_parse_addr(xff + start, end - start, hop) < 0)
            return;
        memcpy(a, hop, 16);
        end = start > 0 ? start - 1 : 0;
    }
}

void http_peer_addr(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned char a[16];

    snprintf(out, n, "unknown");
    if (addr16(ci ? ci->client_addr : NULL, a) < 0)
        return;
    if (memcmp(a, mapped, sizeof(mapped)) == 0)
        inet_ntop(AF_INET, a + 12, out, (socklen_t)n);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

void http_peer_find(struct MHD_Connection *conn, const struct http_proxies *p, char *name,
                    size_t n, unsigned char key[HTTP_THROTTLE_KEY], char *group, size_t glen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    struct sockaddr_in6 six;
    struct sockaddr_in four;
    unsigned char a[16];
    const char *xff;

    if (p->n && addr16(sa, a) == 0 && trusted(p, a) &&
        (xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"))) {
        walk(xff, p, a);
        if (memcmp(a, mapped, sizeof(mapped)) == 0) {
            memset(&four, 0, sizeof(four));
            four.sin_family = AF_INET;
            memcpy(&four.sin_addr, a + 12, 4);
            sa = (const struct sockaddr *)(const void *)&four;
        } else {
            memset(&six, 0, sizeof(six));
            six.sin6_family = AF_INET6;
            memcpy(&six.sin6_addr, a, 16);
            sa = (const struct sockaddr *)(const void *)&six;
        }
    }
    snprintf(name, n, "unknown");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, name,
                  (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, name,
                  (socklen_t)n);
    http_throttle_key(sa, key, group, glen);
}
