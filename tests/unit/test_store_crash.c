/* Unit tests of the store under load and failure: concurrent puts, batches
 * (also killed halfway), crash recovery (also after kill -9), damaged and
 * locked indexes, and rerender, in temporary store folders. */
#include "store_tests.h"

struct worker {
    struct store *st;
    struct render_ctx *rc;
    int n;
    int issued, unchanged, revised, failed;
    char err[256];
};

static void *put_worker(void *arg)
{
    struct worker *w = arg;
    struct store_result r;
    struct ev e;

    for (int i = 0; i < 50; i++) {
        for (int same = 0; same < 2; same++) {
            char err[256] = "";
            if (same)
                ev_init(&e, 5, 1000, 1, "Shared Person", "2024-05-01 10:00:00");
            else
                ev_init(&e, 5, 2000 + w->n * 100 + i, 1, "Someone", "2024-05-01 10:00:00");
            if (store_put(w->st, &e.f, fake_render, w->rc, &r, err, sizeof(err)) < 0) {
                w->failed++;
                snprintf(w->err, sizeof(w->err), "%s", err);
                continue;
            }
            w->issued += r.outcome == STORE_ISSUED;
            w->unchanged += r.outcome == STORE_UNCHANGED;
            w->revised += r.outcome == STORE_REVISED;
        }
    }
    /* Each thread also revises one contested certificate once. */
    {
        char name[32], err[256];
        snprintf(name, sizeof(name), "Contested %d", w->n);
        ev_init(&e, 5, 3000, 1, name, "2024-05-01 10:00:00");
        if (store_put(w->st, &e.f, fake_render, w->rc, &r, err, sizeof(err)) < 0)
            w->failed++;
    }
    return NULL;
}

static void test_concurrency(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct worker w[8];
    pthread_t th[8];
    struct store_cert c;
    struct store_stats s0, s1;
    char err[256] = "", id[STORE_ID_MAX];
    int issued = 0, unchanged = 0, revised = 0, failed = 0, seq = 1;
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err));

    ok(st != NULL, "open for concurrency (%s)", err);
    if (!st)
        return;
    store_stats(st, &s0, err, sizeof(err));
    for (int i = 0; i < 8; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].st = st;
        w[i].rc = &rc;
        w[i].n = i;
        pthread_create(&th[i], NULL, put_worker, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        issued += w[i].issued;
        unchanged += w[i].unchanged;
        revised += w[i].revised;
        failed += w[i].failed;
        if (w[i].failed)
            printf("# %s\n", w[i].err);
    }
    is_int(failed, 0, "8 threads: no put failed");
    is_int(issued, 400 + 1, "400 distinct certificates + 1 shared one issued");
    is_int(unchanged, 399, "the shared one was unchanged 399 times");
    is_int(revised, 0, "nothing revised in the main loop");
    is_int(rc.calls, 401 + 8, "one render per new revision");
    store_stats(st, &s1, err, sizeof(err));
    is_int(s1.certificates - s0.certificates, 402, "402 certificates in the index");
    is_int(s1.revisions - s0.revisions, 401 + 8, "409 revisions in the index");
    ok(s1.commits - s0.commits >= 1 && s1.commits - s0.commits <= 409,
       "in at most one index commit per revision (%llu: puts share commits)",
       (unsigned long long)(s1.commits - s0.commits));

    store_id_make(5, 3000, 1, id);
    is_int(store_get(st, id, &c, err, sizeof(err)), 0, "the contested certificate");
    is_int(c.n_revs, 8, "has 8 revisions");
    for (size_t i = 0; i < c.n_revs; i++)
        seq &= c.revs[i].revision == (int)i + 1 && c.revs[i].superseded == (i + 1 < c.n_revs);
    ok(seq, "numbered 1..8 without duplicates, all but the last superseded");
    is_int(c.latest, 8, "latest is 8");
    store_cert_free(&c);
    ok(cert_files_ok(st, id), "and all 8 files match");
    store_id_make(5, 1000, 1, id);
    store_get(st, id, &c, err, sizeof(err));
    is_int(c.n_revs, 1, "the shared certificate has one revision");
    store_cert_free(&c);
    store_close(st);
}

/* --- batches ------------------------------------------------------------------ */

struct waiter {
    struct store *st;
    volatile int done;
    int rc;
};

static void *put_during_batch(void *arg)
{
    struct waiter *wt = arg;
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct ev e;
    char err[256] = "";

    ev_init(&e, 6, 1, 1, "Waiting", "2024-06-01 10:00:00");
    wt->rc = store_put(wt->st, &e.f, fake_render, &rc, &r, err, sizeof(err));
    wt->done = 1;
    return NULL;
}

static void test_batch(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct store_stats s0, s1;
    struct waiter wt = {NULL, 0, -1};
    pthread_t th;
    struct ev e;
    char err[256] = "";
    int failed = 0, issued = 0, done_early;
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err));

    ok(st != NULL, "open for batch (%s)", err);
    if (!st)
        return;
    store_stats(st, &s0, err, sizeof(err));
    is_int(store_batch_begin(st, err, sizeof(err)), 0, "batch begins");
    is_int(store_batch_begin(st, err, sizeof(err)), -1, "a second batch is refused");
    wt.st = st;
    pthread_create(&th, NULL, put_during_batch, &wt);
    for (int i = 0; i < 1000; i++) {
        char month[24];
        snprintf(month, sizeof(month), "2023-%02d-01 10:00:00", i % 12 + 1);
        ev_init(&e, 2 + i % 3, 10000 + i, 1, "Batch", month);
        if (store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err)) < 0)
            failed++;
        issued += r.outcome == STORE_ISSUED;
    }
    /* The same event inside the batch: unchanged, seen before commit. */
    ev_init(&e, 2, 10000, 1, "Batch", "2023-01-01 10:00:00");
    store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err));
    is_int(r.outcome, STORE_UNCHANGED, "an event repeated inside the batch is unchanged");
    usleep(100 * 1000);
    done_early = wt.done;
    is_int(store_batch_end(st, err, sizeof(err)), 0, "batch ends (%s)", err);
    pthread_join(th, NULL);
    is_int(failed, 0, "1000 puts in a batch");
    is_int(issued, 1000, "all issued");
    ok(!done_early, "a put from another thread waited for the batch");
    is_int(wt.rc, 0, "and went through after it");
    is_int(store_batch_end(st, err, sizeof(err)), -1, "batch_end without a batch fails");
    store_stats(st, &s1, err, sizeof(err));
    is_int(s1.certificates - s0.certificates, 1001, "1001 certificates committed");
    store_close(st);

    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st != NULL, "reopen after batch (%s)", err);
    if (st) {
        store_stats(st, &s1, err, sizeof(err));
        is_int(s1.certificates - s0.certificates, 1001, "still there after reopening");
        store_close(st);
    }
}

/* A child process that dies without ending its batch leaves nothing. */
static void test_batch_crash(const char *dir)
{
    struct store_stats s0, s1;
    struct store_recovery rec;
    char err[256] = "", c = 0;
    long all, tmp;
    pid_t pid;
    int status, pipefd[2];
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err));

    if (!st)
        return;
    store_stats(st, &s0, err, sizeof(err));
    store_close(st);
    if (pipe(pipefd) < 0)
        return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct render_ctx rc = RENDER_CTX_INIT;
        struct store_result r;
        struct ev e;
        struct store *cst = store_open(dir, NULL, NULL, err, sizeof(err));
        close(pipefd[0]);
        if (!cst || store_batch_begin(cst, err, sizeof(err)) < 0)
            _exit(3);
        for (int i = 0; i < 20; i++) {
            ev_init(&e, 8, 500 + i, 1, "Lost", "2022-02-02 10:00:00");
            if (store_put(cst, &e.f, fake_render, &rc, &r, err, sizeof(err)) < 0)
                _exit(4);
        }
        /* Tell the parent, then wait for its kill -9: no batch_end, no close. */
        if (write(pipefd[1], "x", 1) != 1)
            _exit(5);
        for (;;)
            pause();
    }
    close(pipefd[1]);
    if (read(pipefd[0], &c, 1) != 1)
        c = 0;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(pipefd[0]);
    ok(c == 'x' && WIFSIGNALED(status),
       "child archived 20 in a batch and was killed before its end");
    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st != NULL, "reopen after the child died mid-batch (%s)", err);
    if (!st)
        return;
    store_recovery_info(st, &rec);
    store_stats(st, &s1, err, sizeof(err));
    is_int(s1.certificates, s0.certificates, "no row of the unfinished batch");
    is_int(rec.orphans_removed, 20, "its 20 files were removed as orphans");
    store_close(st);
    count_pdf_files(dir, &all, &tmp);
    is_int(all, s1.revisions, "one file per revision");
}

/* --- crash recovery ------------------------------------------------------------ */

static void test_recovery(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r[4];
    struct store_recovery rec;
    struct store_cert c;
    struct ev e;
    struct buf tmp = BUF_INIT, orphan = BUF_INIT, missing = BUF_INIT, damaged = BUF_INIT;
    char err[512] = "", ids[4][STORE_ID_MAX], old_id[STORE_ID_MAX];
    long all, ntmp;
    int good = 1;
    FILE *f;
    struct store *st = store_open(dir, fake_rerender, &rc, err, sizeof(err));

    ok(st != NULL, "open for recovery (%s)", err);
    if (!st)
        return;
    for (int i = 0; i < 4; i++) {
        ev_init(&e, 3, 100 + i, 1, "Recovered", "2024-02-29 10:00:00");
        store_put(st, &e.f, fake_render, &rc, &r[i], err, sizeof(err));
        memcpy(ids[i], r[i].ticket.id, sizeof(ids[i]));
    }
    /* A superseded revision in another month than the latest. */
    ev_init(&e, 3, 200, 1, "Old", "2024-01-31 10:00:00");
    store_put(st, &e.f, fake_render, &rc, &r[0], err, sizeof(err));
    memcpy(old_id, r[0].ticket.id, sizeof(old_id));
    ev_init(&e, 3, 200, 1, "New", "2024-05-31 10:00:00");
    store_put(st, &e.f, fake_render, &rc, &r[0], err, sizeof(err));
    store_get(st, old_id, &c, err, sizeof(err));
    unlink(c.revs[0].pdf_path);
    store_cert_free(&c);

    store_get(st, ids[0], &c, err, sizeof(err));
    buf_adds(&missing, c.revs[0].pdf_path);
    store_cert_free(&c);
    store_get(st, ids[1], &c, err, sizeof(err));
    buf_adds(&damaged, c.revs[0].pdf_path);
    store_cert_free(&c);
    store_close(st);

    buf_addf(&tmp, "%s/pdf/3/2024/02/.%s-r2.0123456789abcdef.tmp", dir, ids[2]);
    buf_addf(&orphan, "%s/pdf/3/2024/02/%s-r2.pdf", dir, ids[3]);
    f = fopen(tmp.data, "w");
    fputs("half", f);
    fclose(f);
    f = fopen(orphan.data, "w");
    fputs("%PDF-uncommitted\n", f);
    fclose(f);
    unlink(missing.data);
    f = fopen(damaged.data, "r+");
    fputc('X', f); /* same size, other bytes */
    fclose(f);

    rc.calls = 0;
    st = store_open(dir, fake_rerender, &rc, err, sizeof(err));
    ok(st != NULL, "reopen with a renderer recovers (%s)", err);
    if (!st)
        goto out;
    store_recovery_info(st, &rec);
    is_int(rec.exclusive, 1, "recovery ran");
    is_int(rec.temp_removed, 1, "the temporary file was removed");
    is_int(rec.orphans_removed, 1, "the PDF without a row was removed");
    is_int(rec.remade, 3, "the missing, the damaged and the old PDF were made again");
    is_int(rc.calls, 3, "by the rerender function");
    ok(!file_exists(tmp.data), "temporary file gone");
    ok(!file_exists(orphan.data), "orphan gone");
    ok(!file_exists(damaged.data), "the damaged file was replaced by a new one");
    for (int i = 0; i < 4; i++)
        good &= cert_files_ok(st, ids[i]);
    ok(good, "every row's file exists and matches its sha256");
    store_get(st, ids[0], &c, err, sizeof(err));
    ok(c.n_revs == 1 && c.revs[0].generation == 1 && strstr(c.revs[0].pdf_path, "-r1.g1.pdf"),
       "the re-made file is generation 1: %s", c.n_revs ? c.revs[0].pdf_path : "");
    store_cert_free(&c);
    store_get(st, ids[1], &c, err, sizeof(err));
    ok(c.n_revs == 1 && strcmp(c.revs[0].code, r[1].ticket.code) == 0,
       "a re-made PDF keeps its revision's code");
    store_cert_free(&c);
    store_get(st, old_id, &c, err, sizeof(err));
    ok(c.n_revs == 2 && strstr(c.revs[0].pdf_path, "/pdf/3/2024/01/") &&
           strstr(c.revs[0].pdf_path, "-r1.g1.pdf") && c.revs[0].superseded,
       "a superseded revision is made again in its own folder: %s",
       c.n_revs ? c.revs[0].pdf_path : "");
    ok(cert_files_ok(st, old_id), "and matches its sha256");
    store_cert_free(&c);
    store_close(st);
    count_pdf_files(dir, &all, &ntmp);
    is_int(ntmp, 0, "no temporary files remain");

    /* Without a renderer: refused, naming the file. */
    st = store_open(dir, NULL, NULL, err, sizeof(err));
    if (st && store_get(st, ids[2], &c, err, sizeof(err)) == 0) {
        unlink(c.revs[0].pdf_path);
        store_cert_free(&c);
    }
    store_close(st);
    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st == NULL, "a missing file and no renderer: store_open fails");
    ok(strstr(err, "/pdf/3/2024/02/") && strstr(err, "' is missing (1 file to make again"),
       "naming the file: %s", err);
    store_close(st);
    st = store_open(dir, fake_rerender, &rc, err, sizeof(err));
    ok(st && cert_files_ok(st, ids[2]), "a renderer then makes it again (%s)", err);
    store_close(st);
out:
    buf_free(&tmp);
    buf_free(&orphan);
    buf_free(&missing);
    buf_free(&damaged);
}

/* kill -9 a child in the middle of many puts, then recover. */
static void test_kill9(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_stats s;
    struct store_recovery rec;
    char err[512] = "", sig;
    long all, ntmp;
    pid_t pid;
    int status, good = 1, pipefd[2];
    struct store *st;

    if (pipe(pipefd) < 0)
        return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct render_ctx crc = RENDER_CTX_INIT;
        struct store_result r;
        struct ev e;
        struct store *cst = store_open(dir, fake_rerender, &crc, err, sizeof(err));
        close(pipefd[0]);
        if (!cst)
            _exit(3);
        for (int i = 0;; i++) {
            ev_init(&e, 9, 1 + i % 100, 1, i / 100 % 2 ? "Odd" : "Even", "2021-07-07 10:00:00");
            if (i % 50 == 0)
                store_batch_begin(cst, err, sizeof(err));
            store_put(cst, &e.f, fake_render, &crc, &r, err, sizeof(err));
            /* After the first commit, tell the parent it may kill at any time. */
            if (i % 50 == 49 && store_batch_end(cst, err, sizeof(err)) == 0 && i == 49 &&
                write(pipefd[1], "x", 1) != 1)
                _exit(4);
        }
    }
    close(pipefd[1]);
    /* However slow the machine (valgrind), kill once something is committed,
     * then mid-puts. */
    if (read(pipefd[0], &sig, 1) != 1)
        sig = 0;
    close(pipefd[0]);
    usleep(300 * 1000);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status), "child killed with SIGKILL mid-puts");

    st = store_open(dir, fake_rerender, &rc, err, sizeof(err));
    ok(st != NULL, "reopen after kill -9 (%s)", err);
    if (!st)
        return;
    store_recovery_info(st, &rec);
    store_stats(st, &s, err, sizeof(err));
    printf("# after kill -9: %lld certificates, %lld revisions; removed %ld temp, %ld orphans\n",
           (long long)s.certificates, (long long)s.revisions, rec.temp_removed,
           rec.orphans_removed);
    ok(s.revisions > 0, "the child committed something before it died");
    is_int(rec.remade, 0, "no committed file was lost");
    for (int u = 1; u <= 100; u++) {
        char id[STORE_ID_MAX];
        struct store_cert c;
        store_id_make(9, u, 1, id);
        if (store_get(st, id, &c, err, sizeof(err)) == 0) {
            for (size_t i = 0; i < c.n_revs; i++)
                good &= c.revs[i].revision == (int)i + 1;
            store_cert_free(&c);
            good &= cert_files_ok(st, id);
        }
    }
    ok(good, "every row's file matches, revisions without gaps or duplicates");
    store_close(st);
    count_pdf_files(dir, &all, &ntmp);
    is_int(ntmp, 0, "no temporary files remain");
    (void)all;
}

/* --- refusing to open ---------------------------------------------------------- */

static void test_damaged(void)
{
    char *dir = make_tmpdir();
    struct buf path = BUF_INIT, before = BUF_INIT, after = BUF_INIT;
    char err[512] = "", garbage[8192];
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct ev e;
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err));
    FILE *f;

    if (st) {
        ev_init(&e, 1, 1, 1, "Someone", "2024-01-01 10:00:00");
        store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err));
        store_close(st);
    }
    buf_addf(&path, "%s/index.sqlite", dir);
    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (char)(i * 7 + 13);
    f = fopen(path.data, "w");
    fwrite(garbage, 1, sizeof(garbage), f);
    fclose(f);
    buf_read_file(&before, path.data);

    st = store_open(dir, fake_rerender, &rc, err, sizeof(err));
    ok(st == NULL, "a damaged index is refused");
    ok(strstr(err, "index '") && strstr(err, "/index.sqlite' is damaged: "), "clearly: %s", err);
    store_close(st);
    buf_read_file(&after, path.data);
    ok(before.len == after.len && memcmp(before.data, after.data, before.len) == 0,
       "the damaged file is untouched");
    buf_reset(&path);
    buf_addf(&path, "%s/index.sqlite-wal", dir);
    ok(!file_exists(path.data), "no WAL was made next to it");

    /* The index gone, PDFs still there: refused, nothing made. */
    buf_reset(&path);
    buf_addf(&path, "%s/index.sqlite", dir);
    unlink(path.data);
    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st == NULL, "a missing index next to PDFs is refused");
    ok(strstr(err, "is missing but") != NULL, "clearly: %s", err);
    ok(!file_exists(path.data), "and no fresh index was made");
    store_close(st);

    buf_free(&path);
    buf_free(&before);
    buf_free(&after);
    rm_rf(dir);
    free(dir);
}

static void test_locked(void)
{
    char *dir = make_tmpdir();
    struct buf path = BUF_INIT;
    struct store_recovery rec;
    char err[512] = "", c;
    int pipefd[2], status;
    pid_t pid;
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err)), *st2;
    time_t t0;

    ok(st != NULL, "open a store (%s)", err);
    store_recovery_info(st, &rec);
    is_int(rec.exclusive, 1, "alone: recovered");
    st2 = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st2 != NULL, "a second opener shares it (%s)", err);
    if (st2) {
        store_recovery_info(st2, &rec);
        is_int(rec.exclusive, 0, "and leaves recovery alone");
        store_close(st2);
    }
    store_close(st);

    /* Another process holds the store exclusively (as while it recovers). */
    buf_addf(&path, "%s/lock", dir);
    if (pipe(pipefd) < 0)
        return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int fd = open(path.data, O_RDWR);
        close(pipefd[0]);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
            _exit(1);
        if (write(pipefd[1], "x", 1) != 1)
            _exit(1);
        sleep(30);
        _exit(0);
    }
    close(pipefd[1]);
    if (read(pipefd[0], &c, 1) != 1)
        c = 0;
    t0 = time(NULL);
    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st == NULL, "a store locked by another process is refused");
    ok(strstr(err, "is locked by another process") != NULL, "clearly: %s", err);
    ok(time(NULL) - t0 < 15, "after a bounded wait");
    store_close(st);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(pipefd[0]);
    buf_free(&path);
    rm_rf(dir);
    free(dir);
}

/* --- rerender --------------------------------------------------------------------- */

static void test_rerender(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct store_cert before[3], after[3];
    struct ev e;
    char err[512] = "", ids[3][STORE_ID_MAX];
    const char *dates[3] = {"2020-01-10 10:00:00", "2020-06-10 10:00:00", "2020-12-10 10:00:00"};
    size_t count = 0;
    struct store *st = store_open(dir, fake_rerender, &rc, err, sizeof(err));

    ok(st != NULL, "open for rerender (%s)", err);
    if (!st)
        return;
    for (int i = 0; i < 3; i++) {
        ev_init(&e, 4, 1 + i, 1, "First", dates[i]);
        store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err));
        ev_init(&e, 4, 1 + i, 1, "Second", dates[i]);
        store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err));
        memcpy(ids[i], r.ticket.id, sizeof(ids[i]));
        store_get(st, ids[i], &before[i], err, sizeof(err));
    }
    rc.variant = 1;
    rc.calls = 0;
    is_int(store_rerender(st, &(struct store_rerender_filter){"2020-06-10", 0, 0}, fake_rerender, &rc, &count, err, sizeof(err)), 0,
           "rerender since 2020-06-10 (%s)", err);
    is_int(count, 2, "re-made 2 of 3 certificates");
    is_int(rc.calls, 2, "calling the function once each");
    is_int(store_rerender(st, &(struct store_rerender_filter){"2020-13-01", 0, 0}, fake_rerender, &rc, &count, err, sizeof(err)), -1,
           "a bad date is refused");
    for (int i = 0; i < 3; i++) {
        int touched = i > 0;
        struct store_revision *b, *a;
        store_get(st, ids[i], &after[i], err, sizeof(err));
        b = &before[i].revs[1];
        a = &after[i].revs[1];
        is_int(strcmp(a->sha256, b->sha256) != 0, touched, "cert %d: new hash iff re-made", i);
        is_int(a->generation, touched, "cert %d: generation", i);
        is_int(file_exists(b->pdf_path), !touched, "cert %d: old file removed iff re-made", i);
        ok(file_exists(a->pdf_path), "cert %d: the current file exists", i);
        is_str(a->code, b->code, "cert %d: same code", i);
        is_str(after[i].revs[0].sha256, before[i].revs[0].sha256,
               "cert %d: the superseded revision is untouched", i);
        ok(cert_files_ok(st, ids[i]), "cert %d: files match their hashes", i);
        store_cert_free(&before[i]);
        store_cert_free(&after[i]);
    }
    /* another institution's certificates, then only those re-made */
    for (int i = 0; i < 2; i++) {
        ev_init(&e, 9, 1 + i, 1, "Other", dates[0]);
        store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err));
    }
    store_get(st, ids[2], &before[2], err, sizeof(err));
    store_get(st, r.ticket.id, &before[1], err, sizeof(err));
    rc.calls = 0;
    is_int(store_rerender(st, &(struct store_rerender_filter){NULL, 9, 0}, fake_rerender, &rc, &count,
                          err, sizeof(err)),
           0, "rerender of institution 9 (%s)", err);
    is_int(count, 2, "re-made its 2 certificates");
    is_int(rc.calls, 2, "and called the function for no other");
    store_get(st, ids[2], &after[2], err, sizeof(err));
    store_get(st, r.ticket.id, &after[1], err, sizeof(err));
    is_str(after[2].revs[1].sha256, before[2].revs[1].sha256, "institution 4 is untouched");
    is_int(after[1].revs[0].generation, 1, "institution 9's file is a new generation");
    is_str(after[1].revs[0].code, before[1].revs[0].code, "with the same code");
    for (int i = 1; i < 3; i++) {
        store_cert_free(&before[i]);
        store_cert_free(&after[i]);
    }
    rc.fail = 1;
    is_int(store_rerender(st, NULL, fake_rerender, &rc, &count, err, sizeof(err)), -1,
           "a failing renderer stops rerender");
    ok(strstr(err, "bad raw event") != NULL, "with its message: %s", err);
    ok(cert_files_ok(st, ids[0]) && cert_files_ok(st, ids[1]) && cert_files_ok(st, ids[2]),
       "and leaves every file in place");
    store_close(st);
}

int main(void)
{
    char *dir = make_tmpdir();
    struct buf sub = BUF_INIT;

    test_concurrency(dir);
    test_batch(dir);
    test_batch_crash(dir);
    test_recovery(dir);
    buf_addf(&sub, "%s/rerender", dir);
    test_rerender(sub.data);
    buf_reset(&sub);
    buf_addf(&sub, "%s/killed", dir);
    test_kill9(sub.data);
    test_damaged();
    test_locked();

    rm_rf(dir);
    free(dir);
    buf_free(&sub);
    return tap_done();
}
