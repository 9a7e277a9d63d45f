/* The tarpit: a fixed array of suspended connections with the time each may
 * go, and a thread that resumes them when it comes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_tarpit.h"
#include "banned.h"

#define TICK_NS (50 * 1000 * 1000)

struct held {
    struct MHD_Connection *conn;
    double due;
};

struct http_tarpit {
    pthread_t thread;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;
    int stopping;
    double seconds;
    size_t n, max;
    struct held *held;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Take the connections due (all when everything) out of the array into
 * out; how many. Called with the mutex held. */
static size_t take_due(struct http_tarpit *t, int everything, struct MHD_Connection **out)
{
    double now = now_s();
    size_t n = 0;
    for (size_t i = 0; i < t->n;) {
        if (everything || t->held[i].due <= now) {
            out[n++] = t->held[i].conn;
            t->held[i] = t->held[--t->n];
        } else {
            i++;
        }
    }
    return n;
}

static void *run(void *p)
{
    struct http_tarpit *t = p;
    struct MHD_Connection **go = xcalloc(t->max, sizeof(*go));
    pthread_mutex_lock(&t->mu);
    while (!t->stopping) {
        struct timespec until;
        size_t n;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&t->cv, &t->mu, &until);
        n = take_due(t, 0, go);
        pthread_mutex_unlock(&t->mu); /* libmicrohttpd takes its own locks */
        for (size_t i = 0; i < n; i++)
            MHD_resume_connection(go[i]);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    free(go);
    return NULL;
}

struct http_tarpit *http_tarpit_start(double seconds, size_t max, char *err, size_t errlen)
{
    struct http_tarpit *t = xcalloc(1, sizeof(*t));
    int rc;
    t->seconds = seconds;
    t->max = max > 0 ? max : 1;
    t->held = xcalloc(t->max, sizeof(*t->held));
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    rc = pthread_create(&t->thread, NULL, run, t);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the tarpit thread: %s", strerror(rc));
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t->held);
        free(t);
        return NULL;
    }
    return t;
}

void http_tarpit_stop(struct http_tarpit *t)
{
    struct MHD_Connection **go;
    size_t n;
    if (!t)
        return;
    go = xcalloc(t->max, sizeof(*go));
    pthread_mutex_lock(&t->mu);
    t->stopping = 1;
    n = take_due(t, 1, go);
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    for (size_t i = 0; i < n; i++)
        MHD_resume_connection(go[i]);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(go);
    free(t->held);
    free(t);
}

int http_tarpit_hold(struct http_tarpit *t, struct MHD_Connection *conn)
{
    int held = 0;
    if (!t)
        return 0;
    pthread_mutex_lock(&t->mu);
    /* Suspended under the mutex: http_tarpit_stop cannot miss it. */
    if (!t->stopping && t->n < t->max) {
        MHD_suspend_connection(conn);
        t->held[t->n++] = (struct held){conn, now_s() + t->seconds};
        held = 1;
    }
    pthread_mutex_unlock(&t->mu);
    return held;
}
