/* Work on many things at once (see jobs.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "jobs.h"
#include "banned.h"

struct jobs_run {
    jobs_fn one;
    int (*enter)(void *ctx);
    void (*leave)(void *ctx);
    void *ctx;
    size_t n;
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t mu; /* guards done, failed, err */
    size_t *done;
    int failed;
    char *err;
    size_t errlen;
};

static void *take(void *arg)
{
    struct jobs_run *j = arg;
    char err[1024];
    size_t i;
    int r;

    while (!atomic_load(&j->stop) && (i = atomic_fetch_add(&j->next, 1)) < j->n) {
        err[0] = '\0';
        r = j->one(j->ctx, i, err, sizeof(err));
        pthread_mutex_lock(&j->mu);
        if (r > 0 && j->done)
            *j->done += (size_t)r;
        if (r < 0 && !j->failed) {
            j->failed = 1;
            snprintf(j->err, j->errlen, "%s", err);
            atomic_store(&j->stop, 1);
        }
        pthread_mutex_unlock(&j->mu);
    }
    return NULL;
}

static void *helper(void *arg)
{
    struct jobs_run *j = arg;

    if (j->enter && j->enter(j->ctx) < 0)
        return NULL;
    take(j);
    if (j->leave)
        j->leave(j->ctx);
    return NULL;
}

int jobs_run(size_t n, size_t jobs, jobs_fn one, void *ctx, size_t *done, char *err,
             size_t errlen)
{
    return jobs_run_with(n, jobs, one, NULL, NULL, ctx, done, err, errlen);
}

int jobs_run_with(size_t n, size_t jobs, jobs_fn one, int (*enter)(void *ctx),
                  void (*leave)(void *ctx), void *ctx, size_t *done, char *err, size_t errlen)
{
    struct jobs_run j = {one,  enter, leave, ctx, n, 0, 0, PTHREAD_MUTEX_INITIALIZER,
                         done, 0,     err,   errlen};
    pthread_t tid[JOBS_MAX];
    size_t helpers = 0;

    if (jobs > JOBS_MAX)
        jobs = JOBS_MAX;
    /* a thread that cannot start leaves its share to the others */
    while (helpers + 1 < jobs && helpers + 1 < n &&
           pthread_create(&tid[helpers], NULL, helper, &j) == 0)
        helpers++;
    take(&j);
    for (size_t i = 0; i < helpers; i++)
        pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&j.mu);
    return j.failed ? -1 : 0;
}

size_t jobs_cores(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > JOBS_MAX ? JOBS_MAX : (size_t)cores;
}
