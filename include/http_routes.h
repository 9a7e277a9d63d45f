/* The route table: which handler answers which path and method. It is the
 * only file that knows every handler; the server looks requests up here.
 * Thread safety: the table is constant. */
#ifndef HTTP_ROUTES_H
#define HTTP_ROUTES_H

#include "http_request.h"
#include "metrics.h"

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
    size_t max_body; /* bytes of a body; 0: the configured max_body */
};

/* The route for a decoded path, or NULL (404). */
const struct http_route *http_route_find(const char *url);
/* 1 when method is one the route allows. */
int http_route_allows(const struct http_route *route, const char *method);
/* The largest body the route takes: its own limit, else max_body. */
size_t http_route_max_body(const struct http_route *route, size_t max_body);

#endif
