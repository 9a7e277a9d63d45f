/* The route table: every path the server answers, its methods, and the
 * handlers for it. Path patterns: '*' is one segment; the first match wins. */
#include <string.h>

#include "http_int.h"
#include "http_routes.h"
#include "banned.h"

static const struct http_route routes[] = {
    {"/webhooks", METRICS_WEBHOOK, "POST", http_webhook_begin, http_webhook_end, 0},
    {"/healthz", METRICS_HEALTHZ, "GET, HEAD", NULL, http_ops_healthz, 0},
    {"/metrics", METRICS_METRICS, "GET, HEAD", NULL, http_ops_metrics, 0},
    {"/", METRICS_CERTIFICATES, "GET, HEAD", http_staff_begin, http_staff_home, 0},
    {"/certificates", METRICS_CERTIFICATES, "GET, HEAD", http_staff_begin, http_staff_search, 0},
    {"/certificates/*/revoke", METRICS_CERTIFICATES, "POST", http_staff_begin, http_cert_revoke, 0},
    {"/certificates/*/*", METRICS_CERTIFICATES, "GET, HEAD", http_staff_begin, http_cert_get, 0},
    {"/certificates/*", METRICS_CERTIFICATES, "GET, HEAD", http_staff_begin, http_cert_get, 0},
    {"/verify", METRICS_VERIFY, "GET, HEAD", NULL, http_verify_form, 0},
    /* a PDF to check, raw or uploaded by the form (before the codes' route);
     * GET redirects to the form, for the language links of a result page */
    {"/verify/check", METRICS_VERIFY, "GET, HEAD, POST", http_check_begin, http_check_end, HTTP_CHECK_MAX_BODY},
    {"/verify/*", METRICS_VERIFY, "GET, HEAD", NULL, http_verify_code, 0},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* 1 when url matches pattern: '*' is one or more characters other than '/'. */
static int path_match(const char *pattern, const char *url)
{
    for (; *pattern; pattern++) {
        if (*pattern != '*') {
            if (*url++ != *pattern)
                return 0;
            continue;
        }
        if (*url == '/' || *url == '\0')
            return 0;
        url += strcspn(url, "/");
    }
    return *url == '\0';
}

const struct http_route *http_route_find(const char *url)
{
    for (size_t i = 0; i < N_ROUTES; i++)
        if (path_match(routes[i].path, url))
            return &routes[i];
    return NULL;
}

size_t http_route_max_body(const struct http_route *route, size_t max_body)
{
    return route && route->max_body ? route->max_body : max_body;
}

int http_route_allows(const struct http_route *route, const char *method)
{
    const char *allow = route->allow;
    size_t n = strlen(method);
    for (const char *p = allow; *p;) {
        size_t w = strcspn(p, ", ");
        if (w == n && !strncmp(p, method, n))
            return 1;
        p += w;
        p += strspn(p, ", ");
    }
    return 0;
}
