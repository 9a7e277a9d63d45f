/* Process-wide metrics kept in relaxed atomics and rendered in the
 * Prometheus text exposition format (version 0.0.4). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "banned.h"

#define N_STATUS 501 /* 100..599 at status - 100, and "0" (no answer) at 500 */

/* Upper bounds in seconds; a last, implicit bucket is +Inf. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                0.25,  0.5,    1,     2.5,  5,     10};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

struct hist {
    atomic_ullong bucket[N_BOUNDS + 1]; /* not cumulative; the last is +Inf */
    atomic_ullong sum_us;               /* microseconds */
};

static atomic_ullong requests[METRICS_N_ROUTES][N_STATUS];
static atomic_ullong certs[METRICS_N_CERTS];
static atomic_llong connections;
static atomic_ullong reloads[2]; /* [0] refused, [1] taken */
/* Group sizes: upper bounds, the last bucket +Inf. */
static const unsigned group_bounds[] = {1, 2, 4, 8, 16, 32, 64};
#define N_GROUP_BOUNDS (sizeof(group_bounds) / sizeof(group_bounds[0]))
static atomic_ullong groups[N_GROUP_BOUNDS + 1], group_puts;
static struct hist request_hist[METRICS_N_ROUTES];
static struct hist hists[METRICS_N_HISTS];

static const char *const route_names[METRICS_N_ROUTES] = {"webhook",      "healthz", "metrics",
                                                          "certificates", "verify",  "other"};
static const char *const cert_names[METRICS_N_CERTS] = {"issued", "unchanged", "revised", "stale"};

static void observe(struct hist *h, double seconds)
{
    size_t i = 0;
    if (!(seconds >= 0)) /* NaN too */
        seconds = 0;
    while (i < N_BOUNDS && seconds > bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (unsigned long long)(seconds * 1e6 + 0.5),
                              memory_order_relaxed);
}

void metrics_request(enum metrics_route route, int status, double seconds)
{
    int idx = status >= 100 && status <= 599 ? status - 100 : N_STATUS - 1;
    if ((unsigned)route >= METRICS_N_ROUTES)
        route = METRICS_OTHER;
    atomic_fetch_add_explicit(&requests[route][idx], 1, memory_order_relaxed);
    observe(&request_hist[route], seconds);
}

void metrics_certificate(enum metrics_cert outcome)
{
    if ((unsigned)outcome < METRICS_N_CERTS)
        atomic_fetch_add_explicit(&certs[outcome], 1, memory_order_relaxed);
}

void metrics_observe(enum metrics_hist h, double seconds)
{
    if ((unsigned)h < METRICS_N_HISTS)
        observe(&hists[h], seconds);
}

void metrics_group(size_t n)
{
    size_t i = 0;
    while (i < N_GROUP_BOUNDS && n > group_bounds[i])
        i++;
    atomic_fetch_add_explicit(&groups[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&group_puts, n, memory_order_relaxed);
}

void metrics_connection(int delta)
{
    atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

void metrics_reload(int ok)
{
    atomic_fetch_add_explicit(&reloads[ok ? 1 : 0], 1, memory_order_relaxed);
}

static unsigned long long load(atomic_ullong *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

/* One histogram's samples; labels is "" or `route="webhook",`. _count is the
 * sum of the buckets read, so it always equals the +Inf bucket. */
static void render_hist(struct buf *out, const char *name, const char *labels, struct hist *h)
{
    unsigned long long cum = 0;
    for (size_t i = 0; i <= N_BOUNDS; i++) {
        cum += load(&h->bucket[i]);
        if (i < N_BOUNDS)
            buf_addf(out, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, bounds[i], cum);
        else
            buf_addf(out, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, cum);
    }
    if (*labels) {
        char l[64];
        snprintf(l, sizeof(l), "{%.*s}", (int)(strlen(labels) - 1), labels);
        buf_addf(out, "%s_sum%s %.6f\n%s_count%s %llu\n", name, l, load(&h->sum_us) / 1e6, name, l,
                 cum);
    } else {
        buf_addf(out, "%s_sum %.6f\n%s_count %llu\n", name, load(&h->sum_us) / 1e6, name, cum);
    }
}

static void header(struct buf *out, const char *name, const char *type, const char *help)
{
    buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_render(struct buf *out)
{
    header(out, "certifica_http_requests_total", "counter",
           "HTTP requests answered, by route and status.");
    for (int r = 0; r < METRICS_N_ROUTES; r++)
        for (int s = 0; s < N_STATUS; s++) {
            unsigned long long n = load(&requests[r][s]);
            if (n)
                buf_addf(out, "certifica_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                         route_names[r], s == N_STATUS - 1 ? 0 : s + 100, n);
        }

    header(out, "certifica_http_request_duration_seconds", "histogram",
           "Time from the request's headers to its completion, by route.");
    for (int r = 0; r < METRICS_N_ROUTES; r++) {
        char labels[48];
        unsigned long long any = 0;
        for (size_t i = 0; i <= N_BOUNDS; i++)
            any += load(&request_hist[r].bucket[i]);
        if (!any && r != METRICS_WEBHOOK)
            continue;
        snprintf(labels, sizeof(labels), "route=\"%s\",", route_names[r]);
        render_hist(out, "certifica_http_request_duration_seconds", labels, &request_hist[r]);
    }

    header(out, "certifica_certificates_total", "counter",
           "Certificate events archived, by outcome.");
    for (int c = 0; c < METRICS_N_CERTS; c++)
        buf_addf(out, "certifica_certificates_total{outcome=\"%s\"} %llu\n", cert_names[c],
                 load(&certs[c]));

    header(out, "certifica_render_seconds", "histogram", "Time spent rendering a certificate PDF.");
    render_hist(out, "certifica_render_seconds", "", &hists[METRICS_RENDER]);
    header(out, "certifica_store_seconds", "histogram",
           "Time spent writing a certificate to the archive, fsync included.");
    render_hist(out, "certifica_store_seconds", "", &hists[METRICS_STORE]);

    header(out, "certifica_config_reloads_total", "counter",
           "Configuration reloads (SIGHUP) of tenants and templates, by result.");
    buf_addf(out, "certifica_config_reloads_total{result=\"ok\"} %llu\n", load(&reloads[1]));
    buf_addf(out, "certifica_config_reloads_total{result=\"failed\"} %llu\n", load(&reloads[0]));
    header(out, "certifica_fsync_seconds", "histogram",
           "Time spent in fsync by one write: a certificate's PDF file (and new folders), or the "
           "folders of a commit group.");
    render_hist(out, "certifica_fsync_seconds", "", &hists[METRICS_FSYNC]);
    header(out, "certifica_commit_seconds", "histogram",
           "Time one index commit took (a group of certificates, one WAL fsync).");
    render_hist(out, "certifica_commit_seconds", "", &hists[METRICS_COMMIT]);
    header(out, "certifica_webhook_wait_seconds", "histogram",
           "Time a delivery to render waited for a webhook worker (redeliveries and refusals "
           "are answered without one).");
    render_hist(out, "certifica_webhook_wait_seconds", "", &hists[METRICS_WAIT]);
    header(out, "certifica_commit_group_size", "histogram",
           "Certificates committed together by one index commit.");
    {
        unsigned long long cum = 0;
        for (size_t i = 0; i <= N_GROUP_BOUNDS; i++) {
            cum += load(&groups[i]);
            if (i < N_GROUP_BOUNDS)
                buf_addf(out, "certifica_commit_group_size_bucket{le=\"%u\"} %llu\n",
                         group_bounds[i], cum);
            else
                buf_addf(out, "certifica_commit_group_size_bucket{le=\"+Inf\"} %llu\n", cum);
        }
        buf_addf(out, "certifica_commit_group_size_sum %llu\ncertifica_commit_group_size_count %llu\n",
                 load(&group_puts), cum);
    }

    header(out, "certifica_open_connections", "gauge", "HTTP connections open now.");
    buf_addf(out, "certifica_open_connections %lld\n",
             (long long)atomic_load_explicit(&connections, memory_order_relaxed));
}

void metrics_reset(void)
{
    for (int r = 0; r < METRICS_N_ROUTES; r++) {
        for (int s = 0; s < N_STATUS; s++)
            atomic_store(&requests[r][s], 0);
        for (size_t i = 0; i <= N_BOUNDS; i++)
            atomic_store(&request_hist[r].bucket[i], 0);
        atomic_store(&request_hist[r].sum_us, 0);
    }
    for (int c = 0; c < METRICS_N_CERTS; c++)
        atomic_store(&certs[c], 0);
    for (int h = 0; h < METRICS_N_HISTS; h++) {
        for (size_t i = 0; i <= N_BOUNDS; i++)
            atomic_store(&hists[h].bucket[i], 0);
        atomic_store(&hists[h].sum_us, 0);
    }
    for (size_t i = 0; i <= N_GROUP_BOUNDS; i++)
        atomic_store(&groups[i], 0);
    atomic_store(&group_puts, 0);
    atomic_store(&connections, 0);
    atomic_store(&reloads[0], 0);
    atomic_store(&reloads[1], 0);
}
