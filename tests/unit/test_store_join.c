/* Unit tests of threads that join another thread's batch (store_batch_join,
 * as import --jobs uses it): their puts are the batch's, committed or undone
 * with it, and batch_end waits for them to leave. */
#include "store_tests.h"

struct member {
    struct store *st;
    int64_t first; /* user ids first .. first + n - 1 */
    int n, delay_ms;
    int join_rc, failed, issued;
    volatile int joined, left;
};

static void *member_run(void *arg)
{
    struct member *m = arg;
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct ev e;
    char err[256] = "";

    m->join_rc = store_batch_join(m->st, err, sizeof(err));
    if (m->join_rc < 0)
        return NULL;
    m->joined = 1;
    usleep((useconds_t)m->delay_ms * 1000);
    for (int i = 0; i < m->n; i++) {
        ev_init(&e, 3, m->first + i, 2, "Joined", "2024-03-01 10:00:00");
        if (store_put(m->st, &e.f, fake_render, &rc, &r, err, sizeof(err)) < 0)
            m->failed++;
        m->issued += r.outcome == STORE_ISSUED;
    }
    m->left = 1;
    store_batch_leave(m->st);
    return NULL;
}

/* Certificates of institution 3, course 2 with user ids from .. to. */
static int count_range(struct store *st, int64_t from, int64_t to, int *files_ok)
{
    struct store_cert c;
    char id[STORE_ID_MAX], err[256];
    int n = 0;

    *files_ok = 1;
    for (int64_t u = from; u <= to; u++) {
        store_id_make(3, u, 2, id);
        if (store_get(st, id, &c, err, sizeof(err)) != 0)
            continue;
        n++;
        store_cert_free(&c);
        if (!cert_files_ok(st, id))
            *files_ok = 0;
    }
    return n;
}

static void test_join_commit(const char *dir)
{
    struct member m[3];
    pthread_t th[3];
    char err[256] = "";
    int failed = 0, issued = 0, files_ok;
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err));

    ok(st != NULL, "open (%s)", err);
    if (!st)
        return;
    is_int(store_batch_join(st, err, sizeof(err)), -1, "no batch to join: refused");
    ok(strstr(err, "no batch") != NULL, "and says so (%s)", err);
    ok(store_batch_joinable(st), "the SQLite store lets threads share a batch");
    is_int(store_batch_begin(st, err, sizeof(err)), 0, "batch begins");
    for (int i = 0; i < 3; i++) {
        /* the last one waits before it puts: batch_end must wait for it */
        m[i] = (struct member){st, 1000 + 100 * i, 100, i == 2 ? 300 : 0, 1, 0, 0, 0, 0};
        pthread_create(&th[i], NULL, member_run, &m[i]);
    }
    for (int i = 0; i < 3; i++)
        while (!m[i].joined && m[i].join_rc == 1) /* 1: not tried yet */
            usleep(1000);
    is_int(store_batch_end(st, err, sizeof(err)), 0, "batch ends (%s)", err);
    ok(m[2].left, "batch_end waited for the thread still in the batch");
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        failed += m[i].failed + (m[i].join_rc != 0);
        issued += m[i].issued;
    }
    is_int(failed, 0, "3 threads joined the batch and put 100 each");
    is_int(issued, 300, "all issued");
    store_close(st);

    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st != NULL, "reopen (%s)", err);
    if (!st)
        return;
    is_int(count_range(st, 1000, 1299, &files_ok), 300, "the 300 are committed");
    ok(files_ok, "with their files");
    store_close(st);
}

/* A batch closed without its end: the joined threads' puts are undone too,
 * rows and files. */
static void test_join_undone(const char *dir)
{
    struct member m[2];
    pthread_t th[2];
    char err[256] = "";
    long all0, tmp0, all1, tmp1;
    int files_ok;
    struct store *st = store_open(dir, NULL, NULL, err, sizeof(err));

    ok(st != NULL, "open for an undone batch (%s)", err);
    if (!st)
        return;
    count_pdf_files(dir, &all0, &tmp0);
    is_int(store_batch_begin(st, err, sizeof(err)), 0, "batch begins");
    for (int i = 0; i < 2; i++) {
        m[i] = (struct member){st, 5000 + 100 * i, 50, 0, 1, 0, 0, 0, 0};
        pthread_create(&th[i], NULL, member_run, &m[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    is_int(m[0].issued + m[1].issued, 100, "2 joined threads put 50 each");
    store_close(st); /* no batch_end */
    count_pdf_files(dir, &all1, &tmp1);
    is_int(all1 - all0, 0, "closing without batch_end removes every file of the batch");

    st = store_open(dir, NULL, NULL, err, sizeof(err));
    ok(st != NULL, "reopen (%s)", err);
    if (!st)
        return;
    is_int(count_range(st, 5000, 5099, &files_ok), 0, "none of the batch's rows is there");
    store_close(st);
}

int main(void)
{
    char *dir = make_tmpdir();

    test_join_commit(dir);
    test_join_undone(dir);
    rm_rf(dir);
    free(dir);
    return tap_done();
}
