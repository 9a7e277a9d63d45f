/* Process-wide counters for GET /metrics: requests by route and status,
 * certificates by outcome, latency histograms with fixed buckets, and the
 * open-connections gauge, rendered in the Prometheus text format.
 * Thread safety: every function may be called from any thread at any time
 * (relaxed atomics; a scrape sees each counter whole, not all of them at
 * one instant). There is one set of metrics per process. */
#ifndef METRICS_H
#define METRICS_H

#include "buf.h"

enum metrics_route {
    METRICS_WEBHOOK,      /* /webhooks */
    METRICS_HEALTHZ,      /* /healthz */
    METRICS_METRICS,      /* /metrics */
    METRICS_CERTIFICATES, /* /certificates... (staff) */
    METRICS_VERIFY,       /* /verify/... (public) */
    METRICS_OTHER,        /* anything else, e.g. 404s */
    METRICS_N_ROUTES
};

enum metrics_cert {
    METRICS_ISSUED,
    METRICS_UNCHANGED,
    METRICS_REVISED,
    METRICS_STALE,
    METRICS_N_CERTS
};

enum metrics_hist {
    METRICS_RENDER, /* rendering one PDF */
    METRICS_STORE,  /* one put into the archive, fsyncs included */
    METRICS_FSYNC,  /* one put's fsyncs of its PDF file and folders */
    METRICS_COMMIT, /* one index commit (a group of puts) */
    METRICS_WAIT,   /* a delivery's wait for a webhook worker (http_work.h) */
    METRICS_N_HISTS
};

/* One answered request: status 100..599 (anything else counts as "0", no
 * answer sent) and its duration in seconds (also into the request histogram). */
void metrics_request(enum metrics_route route, int status, double seconds);
/* A certificate archived with this outcome. */
void metrics_certificate(enum metrics_cert outcome);
/* Time spent rendering or storing, in seconds. */
void metrics_observe(enum metrics_hist h, double seconds);
/* +1 when a connection opens, -1 when it closes. */
void metrics_connection(int delta);
/* A configuration reload (SIGHUP): ok 1 when the new one was taken, 0 when it
 * was refused and the running one kept. */
void metrics_reload(int ok);
/* One group commit of n puts (a histogram of group sizes). */
void metrics_group(size_t n);

/* Append the exposition text (# HELP, # TYPE, samples) to out. */
void metrics_render(struct buf *out);
/* Zero everything (tests). */
void metrics_reset(void);

#endif
