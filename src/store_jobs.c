/* Work on many certificates at once for the backends' rerender (and copy):
 * up to N threads, the caller's among them, take the next index in order
 * until all are done or one fails. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "store_int.h"
#include "banned.h"

struct jobs_run {
    store_job_fn one;
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

int store_jobs_run(size_t n, size_t jobs, store_job_fn one, void *ctx, size_t *done, char *err,
                   size_t errlen)
{
    struct jobs_run j = {one, ctx, n, 0, 0, PTHREAD_MUTEX_INITIALIZER, done, 0, err, errlen};
    pthread_t tid[STORE_JOBS_MAX];
    size_t helpers = 0;

    if (jobs > STORE_JOBS_MAX)
        jobs = STORE_JOBS_MAX;
    /* a thread that cannot start leaves its share to the others */
    while (helpers + 1 < jobs && helpers + 1 < n &&
           pthread_create(&tid[helpers], NULL, take, &j) == 0)
        helpers++;
    take(&j);
    for (size_t i = 0; i < helpers; i++)
        pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&j.mu);
    return j.failed ? -1 : 0;
}
