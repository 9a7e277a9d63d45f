/* Unit tests for metrics: counters, histogram buckets, the exposition text,
 * and many threads counting at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "buf.h"
#include "metrics.h"
#include "banned.h"

#define N_THREADS 8
#define N_EACH 10000

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

static void test_render(void)
{
    struct buf b = BUF_INIT;
    metrics_reset();
    metrics_request(METRICS_WEBHOOK, 201, 0.004);
    metrics_request(METRICS_WEBHOOK, 201, 0.020);
    metrics_request(METRICS_WEBHOOK, 401, 0.0001);
    metrics_request(METRICS_HEALTHZ, 200, 0.001);
    metrics_request(METRICS_WEBHOOK, 0, 20);
    metrics_certificate(METRICS_ISSUED);
    metrics_certificate(METRICS_ISSUED);
    metrics_certificate(METRICS_REVISED);
    metrics_certificate(METRICS_STALE);
    metrics_observe(METRICS_RENDER, 0.001);
    metrics_observe(METRICS_RENDER, 0.0011);
    metrics_observe(METRICS_STORE, 11);
    metrics_connection(1);
    metrics_connection(1);
    metrics_connection(-1);
    metrics_reload(1);
    metrics_reload(0);
    metrics_reload(0);
    metrics_render(&b);

    ok(has_line(b.data, "# TYPE certifica_http_requests_total counter"), "requests TYPE");
    ok(has_line(b.data, "# HELP certifica_http_requests_total HTTP requests answered, by route "
                        "and status."),
       "requests HELP");
    ok(has_line(b.data, "certifica_http_requests_total{route=\"webhook\",status=\"201\"} 2"),
       "webhook 201 counted twice");
    ok(has_line(b.data, "certifica_http_requests_total{route=\"webhook\",status=\"401\"} 1"),
       "webhook 401");
    ok(has_line(b.data, "certifica_http_requests_total{route=\"webhook\",status=\"0\"} 1"),
       "no answer counts as status 0");
    ok(has_line(b.data, "certifica_http_requests_total{route=\"healthz\",status=\"200\"} 1"),
       "healthz 200");
    ok(!strstr(b.data, "route=\"verify\""), "unused routes left out");

    ok(has_line(b.data, "# TYPE certifica_http_request_duration_seconds histogram"), "TYPE hist");
    ok(has_line(b.data,
                "certifica_http_request_duration_seconds_bucket{route=\"webhook\",le=\"0.001\"} 1"),
       "0.0001 s in the first bucket");
    ok(has_line(b.data,
                "certifica_http_request_duration_seconds_bucket{route=\"webhook\",le=\"0.005\"} 2"),
       "buckets are cumulative");
    ok(has_line(b.data,
                "certifica_http_request_duration_seconds_bucket{route=\"webhook\",le=\"10\"} 3"),
       "20 s is above the last bound");
    ok(has_line(b.data,
                "certifica_http_request_duration_seconds_bucket{route=\"webhook\",le=\"+Inf\"} 4"),
       "+Inf holds everything");
    ok(has_line(b.data, "certifica_http_request_duration_seconds_count{route=\"webhook\"} 4"),
       "count with route label");
    ok(has_line(b.data, "certifica_http_request_duration_seconds_sum{route=\"webhook\"} 20.024100"),
       "sum in seconds");

    ok(has_line(b.data, "certifica_certificates_total{outcome=\"issued\"} 2"), "issued");
    ok(has_line(b.data, "certifica_certificates_total{outcome=\"unchanged\"} 0"), "unchanged 0");
    ok(has_line(b.data, "certifica_certificates_total{outcome=\"revised\"} 1"), "revised");
    ok(has_line(b.data, "certifica_certificates_total{outcome=\"stale\"} 1"), "stale");

    ok(has_line(b.data, "# TYPE certifica_render_seconds histogram"), "render TYPE");
    ok(has_line(b.data, "certifica_render_seconds_bucket{le=\"0.001\"} 1"),
       "le is inclusive: 0.001 in the 0.001 bucket");
    ok(has_line(b.data, "certifica_render_seconds_bucket{le=\"0.0025\"} 2"), "0.0011 next");
    ok(has_line(b.data, "certifica_render_seconds_count 2"), "render count");
    ok(has_line(b.data, "certifica_render_seconds_sum 0.002100"), "render sum");
    ok(has_line(b.data, "certifica_store_seconds_bucket{le=\"10\"} 0"), "store 11 s above 10");
    ok(has_line(b.data, "certifica_store_seconds_bucket{le=\"+Inf\"} 1"), "store +Inf");

    ok(has_line(b.data, "# TYPE certifica_config_reloads_total counter"), "reloads TYPE");
    ok(has_line(b.data, "certifica_config_reloads_total{result=\"ok\"} 1"), "a reload taken");
    ok(has_line(b.data, "certifica_config_reloads_total{result=\"failed\"} 2"),
       "two reloads refused");
    ok(has_line(b.data, "# TYPE certifica_open_connections gauge"), "gauge TYPE");
    ok(has_line(b.data, "certifica_open_connections 1"), "open connections");
    is_int(b.data[b.len - 1], '\n', "ends with a newline");
    is_str(strstr(b.data, "# HELP certifica_open_connections"),
           "# HELP certifica_open_connections HTTP connections open now.\n"
           "# TYPE certifica_open_connections gauge\n"
           "certifica_open_connections 1\n",
           "the gauge comes last, whole");
    buf_free(&b);

    metrics_reset();
    metrics_render(&b);
    ok(has_line(b.data, "certifica_certificates_total{outcome=\"issued\"} 0"), "reset");
    ok(has_line(b.data, "certifica_http_request_duration_seconds_count{route=\"webhook\"} 0"),
       "webhook histogram shown even when empty");
    ok(has_line(b.data, "certifica_open_connections 0"), "gauge reset");
    ok(has_line(b.data, "certifica_config_reloads_total{result=\"failed\"} 0"), "reloads reset");
    buf_free(&b);
}

static void *work(void *arg)
{
    (void)arg;
    for (int i = 0; i < N_EACH; i++) {
        metrics_request(METRICS_WEBHOOK, 200, 0.003);
        metrics_certificate(METRICS_UNCHANGED);
        metrics_observe(METRICS_STORE, 0.002);
        metrics_connection(1);
        metrics_connection(-1);
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[N_THREADS];
    struct buf b = BUF_INIT;
    char line[160];
    metrics_reset();
    for (int i = 0; i < N_THREADS; i++)
        pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(t[i], NULL);
    metrics_render(&b);
    snprintf(line, sizeof(line),
             "certifica_http_requests_total{route=\"webhook\",status=\"200\"} %d",
             N_THREADS * N_EACH);
    ok(has_line(b.data, line), "no lost request counts");
    snprintf(line, sizeof(line), "certifica_certificates_total{outcome=\"unchanged\"} %d",
             N_THREADS * N_EACH);
    ok(has_line(b.data, line), "no lost certificate counts");
    snprintf(line, sizeof(line), "certifica_store_seconds_count %d", N_THREADS * N_EACH);
    ok(has_line(b.data, line), "no lost observations");
    ok(has_line(b.data, "certifica_open_connections 0"), "gauge back to 0");
    buf_free(&b);
}

int main(void)
{
    test_render();
    test_threads();
    return tap_done();
}
