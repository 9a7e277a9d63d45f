/* The request deadline: a list of open connections with the time each became
 * ready for a request, and a thread that shuts down those still receiving one
 * past the deadline, so that libmicrohttpd sees the client gone and closes
 * them. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "http_deadline.h"
#include "banned.h"

#define TICK_NS (250 * 1000 * 1000) /* how often the watcher looks */

struct watch {
    struct watch *prev, *next;
    int fd;
    int receiving; /* 1 from ready until the request has arrived whole */
    int expired;   /* shut down by the watcher */
    struct timespec ready;
    char peer[64];
};

struct http_deadline {
    double seconds;
    pthread_t thread;
    pthread_mutex_t mu; /* guards everything below and every watch */
    pthread_cond_t cv;
    int stopping;
    struct watch *head;
};

static double elapsed(const struct timespec *since, const struct timespec *now)
{
    return (double)(now->tv_sec - since->tv_sec) + (double)(now->tv_nsec - since->tv_nsec) / 1e9;
}

static void *watcher(void *arg)
{
    struct http_deadline *d = arg;
    struct timespec now, wake;

    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        for (struct watch *w = d->head; w; w = w->next) {
            if (!w->receiving || w->expired || elapsed(&w->ready, &now) < d->seconds)
                continue;
            /* The fd is still open: libmicrohttpd closes it only after
             * http_deadline_close, which waits for this lock. */
            w->expired = 1;
            shutdown(w->fd, SHUT_RDWR);
            log_printf(LOG_LEVEL_WARN,
                       "connection from %s closed: request not received whole within %.0f s",
                       w->peer, d->seconds);
        }
        wake = now;
        wake.tv_nsec += TICK_NS;
        if (wake.tv_nsec >= 1000000000L) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d->cv, &d->mu, &wake);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

struct http_deadline *http_deadline_start(double seconds, char *err, size_t errlen)
{
    struct http_deadline *d = xcalloc(1, sizeof(*d));
    pthread_condattr_t ca;
    int e;

    d->seconds = seconds;
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    e = pthread_create(&d->thread, NULL, watcher, d);
    if (e) {
        snprintf(err, errlen, "cannot start the request deadline thread: %s", strerror(e));
        pthread_cond_destroy(&d->cv);
        pthread_mutex_destroy(&d->mu);
        free(d);
        return NULL;
    }
    return d;
}

void http_deadline_stop(struct http_deadline *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stopping = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    while (d->head) {
        struct watch *w = d->head;
        d->head = w->next;
        free(w);
    }
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

void http_deadline_open(struct http_deadline *d, void **slot, int fd, const char *peer)
{
    struct watch *w = xcalloc(1, sizeof(*w));
    w->fd = fd;
    w->receiving = 1;
    clock_gettime(CLOCK_MONOTONIC, &w->ready);
    snprintf(w->peer, sizeof(w->peer), "%s", peer);
    pthread_mutex_lock(&d->mu);
    w->next = d->head;
    if (d->head)
        d->head->prev = w;
    d->head = w;
    pthread_mutex_unlock(&d->mu);
    *slot = w;
}

void http_deadline_close(struct http_deadline *d, void **slot)
{
    struct watch *w = *slot;
    if (!w)
        return;
    pthread_mutex_lock(&d->mu);
    if (w->prev)
        w->prev->next = w->next;
    else
        d->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&d->mu);
    free(w);
    *slot = NULL;
}

void http_deadline_received(struct http_deadline *d, void *watch)
{
    struct watch *w = watch;
    if (!w)
        return;
    pthread_mutex_lock(&d->mu);
    w->receiving = 0;
    pthread_mutex_unlock(&d->mu);
}

void http_deadline_next(struct http_deadline *d, void *watch)
{
    struct watch *w = watch;
    if (!w)
        return;
    pthread_mutex_lock(&d->mu);
    w->receiving = 1;
    w->expired = 0;
    clock_gettime(CLOCK_MONOTONIC, &w->ready);
    pthread_mutex_unlock(&d->mu);
}

int http_deadline_expired(struct http_deadline *d, void *watch)
{
    struct watch *w = watch;
    int e;
    if (!w)
        return 0;
    pthread_mutex_lock(&d->mu);
    e = w->expired;
    pthread_mutex_unlock(&d->mu);
    return e;
}
