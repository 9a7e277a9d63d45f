/* The webhook workers: a queue of suspended connections with what to run
 * for each, and the threads that take them in order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_work.h"
#include "banned.h"

struct job {
    struct job *next;
    struct MHD_Connection *conn;
    http_work_fn fn;
    void *arg;
};

struct http_work {
    pthread_mutex_t mu; /* guards the queue and stopping */
    pthread_cond_t cv;
    struct job *head, **tail;
    int stopping;
    unsigned n_threads;
    pthread_t *threads;
};

static void *run(void *p)
{
    struct http_work *w = p;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        struct job *j;
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!(j = w->head))
            break; /* stopping, and nothing is left */
        if (!(w->head = j->next))
            w->tail = &w->head;
        pthread_mutex_unlock(&w->mu);
        j->fn(j->arg);
        MHD_resume_connection(j->conn);
        free(j);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void join_all(struct http_work *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i], NULL);
    w->n_threads = 0;
}

struct http_work *http_work_start(unsigned workers, char *err, size_t errlen)
{
    struct http_work *w = xcalloc(1, sizeof(*w));

    if (workers < 1)
        workers = 1;
    w->tail = &w->head;
    w->threads = xcalloc(workers, sizeof(*w->threads));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    for (; w->n_threads < workers; w->n_threads++) {
        int rc = pthread_create(&w->threads[w->n_threads], NULL, run, w);
        if (rc != 0) {
            snprintf(err, errlen, "cannot start a webhook worker: %s", strerror(rc));
            join_all(w);
            http_work_free(w);
            return NULL;
        }
    }
    return w;
}

void http_work_stop(struct http_work *w)
{
    if (w)
        join_all(w);
}

void http_work_free(struct http_work *w)
{
    if (!w)
        return;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->threads);
    free(w);
}

int http_work_submit(struct http_work *w, struct MHD_Connection *conn, http_work_fn fn, void *arg)
{
    struct job *j;

    if (!w)
        return 0;
    j = xcalloc(1, sizeof(*j));
    j->conn = conn;
    j->fn = fn;
    j->arg = arg;
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        free(j);
        return 0;
    }
    /* Suspended under the mutex: a worker can resume it only after. */
    MHD_suspend_connection(conn);
    *w->tail = j;
    w->tail = &j->next;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 1;
}
