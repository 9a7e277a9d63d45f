/* Benchmark of the store alone: puts per second with a fake 10 KB PDF, each
 * put durable, in batches of 100, and from 8 threads; the share of the time
 * spent in fsync (files, folders and index commits); and how long store_open
 * takes to check every file. Usage: bench_store [DIR] (default: a temporary
 * folder, removed at the end). */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "banned.h"

#define PDF_SIZE 10240

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int render(void *ctx, const struct store_ticket *t, struct buf *pdf, char *err,
                  size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    buf_addf(pdf, "%%PDF-fake %s %d %s\n", t->id, t->revision, t->code);
    while (pdf->len < PDF_SIZE)
        buf_addc(pdf, (char)('a' + pdf->len % 26));
    return 0;
}

static int rerender(void *ctx, const struct store_ticket *t, const char *raw, size_t raw_len,
                    struct buf *pdf, char expires_at[20], char *err, size_t errlen)
{
    (void)raw;
    (void)raw_len;
    (void)expires_at;
    return render(ctx, t, pdf, err, errlen);
}

struct ev {
    char name[32], canonical[128], raw[192];
    struct store_fields f;
};

static void ev_init(struct ev *e, int64_t user)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "Person %lld", (long long)user);
    snprintf(e->canonical, sizeof(e->canonical), "{\"user\":{\"id\":%lld,\"name\":\"%s\"}}",
             (long long)user, e->name);
    snprintf(e->raw, sizeof(e->raw), "{\"data\":%s}", e->canonical);
    e->f.institution_id = 1 + user % 5;
    e->f.user_id = user;
    e->f.course_id = 1;
    e->f.school_id = 1;
    e->f.user_name = e->name;
    e->f.user_email = "person@example.com";
    e->f.course_name = "Course";
    e->f.school_name = "School";
    e->f.workload = "40 horas";
    e->f.type = "participation";
    e->f.certified_at = user % 2 ? "2024-03-01 10:00:00" : "2024-04-01 10:00:00";
    e->f.concluded_at = "2024-03-01 09:00:00";
    e->f.canonical = e->canonical;
    e->f.raw = e->raw;
    e->f.raw_len = strlen(e->raw);
}

static void report(const char *what, struct store *st, const struct store_stats *s0, int n,
                   double secs)
{
    struct store_stats s1;
    char err[256];
    double fs;

    store_stats(st, &s1, err, sizeof(err));
    fs = (s1.fsync_seconds - s0->fsync_seconds) + (s1.commit_seconds - s0->commit_seconds);
    printf("%-28s %6d puts in %6.2f s: %7.0f puts/s; fsync %4.1f%% (files+folders %.2f s, "
           "index commits %.2f s)\n",
           what, n, secs, n / secs, 100 * fs / secs, s1.fsync_seconds - s0->fsync_seconds,
           s1.commit_seconds - s0->commit_seconds);
}

struct worker {
    struct store *st;
    int64_t first;
    int n, failed;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct store_result r;
    struct ev e;
    char err[256];
    for (int i = 0; i < w->n; i++) {
        ev_init(&e, w->first + i);
        if (store_put(w->st, &e.f, render, NULL, &r, err, sizeof(err)) < 0)
            w->failed++;
    }
    return NULL;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    struct buf tmpl = BUF_INIT;
    char err[512];
    const char *dir;
    struct store_stats s0;
    struct store_result r;
    struct worker w[8];
    pthread_t th[8];
    struct ev e;
    struct store *st;
    double t0;
    int64_t user = 1;

    buf_addf(&tmpl, "%s/certifica-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    dir = argc > 1 ? argv[1] : mkdtemp(tmpl.data);
    if (!dir || !(st = store_open(dir, rerender, NULL, err, sizeof(err)))) {
        fprintf(stderr, "bench_store: %s\n", dir ? err : "cannot make a folder");
        return 1;
    }

    store_stats(st, &s0, err, sizeof(err));
    t0 = now();
    for (int i = 0; i < 1000; i++, user++) {
        ev_init(&e, user);
        if (store_put(st, &e.f, render, NULL, &r, err, sizeof(err)) < 0)
            fprintf(stderr, "put: %s\n", err);
    }
    report("(a) each put durable", st, &s0, 1000, now() - t0);

    store_stats(st, &s0, err, sizeof(err));
    t0 = now();
    for (int b = 0; b < 100; b++) {
        store_batch_begin(st, err, sizeof(err));
        for (int i = 0; i < 100; i++, user++) {
            ev_init(&e, user);
            if (store_put(st, &e.f, render, NULL, &r, err, sizeof(err)) < 0)
                fprintf(stderr, "put: %s\n", err);
        }
        if (store_batch_end(st, err, sizeof(err)) < 0)
            fprintf(stderr, "batch: %s\n", err);
    }
    report("(b) batches of 100", st, &s0, 10000, now() - t0);

    store_stats(st, &s0, err, sizeof(err));
    t0 = now();
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){st, user + i * 250, 250, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    user += 2000;
    report("(c) 8 threads, each durable", st, &s0, 2000, now() - t0);

    t0 = now();
    for (int i = 0; i < 1000; i++) {
        ev_init(&e, 1 + i);
        store_put(st, &e.f, render, NULL, &r, err, sizeof(err));
    }
    printf("%-28s %6d puts in %6.2f s\n", "(d) unchanged", 1000, now() - t0);
    store_close(st);

    t0 = now();
    st = store_open(dir, rerender, NULL, err, sizeof(err));
    printf("store_open checking %lld files: %.2f s\n", (long long)user - 1, now() - t0);
    store_close(st);
    if (argc <= 1)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    buf_free(&tmpl);
    return 0;
}
