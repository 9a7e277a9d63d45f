/* Expiry in the archive: store_fields.expires_at kept in the index, read back
 * into store_cert with whether it is past, searched with status=expired and
 * status=valid (against a given now and the real clock), refused when it is
 * not a calendar time, and taken from a re-make; and an index of schema 5
 * upgraded to 6 with its rows kept and none of them expiring. On either
 * backend (CERTIFICA_TEST_STORE, see backend_tests.h); the SQLite plans and
 * upgrade on the folder only. */
#include "search_tests.h"

#define LONG_AGO "2003-03-10 09:00:00"
#define FAR_AHEAD "2123-05-31 10:00:00"

static int64_t total_with(struct store *st, const struct store_query *q)
{
    struct store_page page;
    char err[256] = "";
    int64_t total;

    if (store_search(st, q, &page, err, sizeof(err)) < 0) {
        printf("# search: %s\n", err);
        return -1;
    }
    total = page.total;
    store_page_free(&page);
    return total;
}

static void test_rule(void)
{
    is_int(store_expired(NULL, NULL), 0, "no expiry: never expired");
    is_int(store_expired("", "2999-01-01 00:00:00"), 0, "an empty expiry: never expired");
    is_int(store_expired(LONG_AGO, NULL), 1, "2003 is past on the real clock");
    is_int(store_expired(FAR_AHEAD, NULL), 0, "2123 is not");
    is_int(store_expired(LONG_AGO, "2003-03-10 09:00:00"), 0, "at the very second: not yet");
    is_int(store_expired(LONG_AGO, "2003-03-10 09:00:01"), 1, "one second later: expired");
}

/* Three certificates: expired, valid until 2123, no expiry; and one expired
 * but revoked. */
static void fill(struct store *st, char ids[4][STORE_ID_MAX])
{
    static const char *const expiry[] = {LONG_AGO, FAR_AHEAD, NULL, LONG_AGO};
    static const char *const names[] = {"Ana Velha", "Bruno Novo", "Carla Livre", "Davi Revogado"};
    char err[256] = "";

    for (int i = 0; i < 4; i++) {
        struct ev e;
        ev_init(&e, 9, i + 1, 100, names[i], "x@example.com", NULL, "NR-35", "2001-03-10 09:00:00",
                "participation");
        e.f.expires_at = expiry[i];
        put(st, &e, NULL);
        store_id_make(9, i + 1, 100, ids[i]);
    }
    ok(store_revoke(st, ids[3], "por engano", err, sizeof(err)) == 0, "revoke the fourth (%s)",
       err);
}

/* One count from the store's own tables at where (folder or database). */
static long long count_where(const char *where, const char *sql)
{
    char *v;
    long long n;

    if (!test_on_pg())
        return index_int(where, sql);
    v = test_pg_value(where, sql);
    n = *v ? atoll(v) : -1;
    free(v);
    return n;
}

static void test_fields(struct store *st, const char *where, char ids[4][STORE_ID_MAX])
{
    struct store_cert c;
    char err[256] = "";

    ok(store_get(st, ids[0], &c, err, sizeof(err)) == 0 && !strcmp(c.expires_at, LONG_AGO) &&
           c.expired,
       "store_get: expires_at kept, and past");
    store_cert_free(&c);
    ok(store_get(st, ids[1], &c, err, sizeof(err)) == 0 && !strcmp(c.expires_at, FAR_AHEAD) &&
           !c.expired,
       "store_get: a far expiry, not past");
    store_cert_free(&c);
    ok(store_get(st, ids[2], &c, err, sizeof(err)) == 0 && c.expires_at[0] == '\0' && !c.expired,
       "store_get: none kept as none");
    store_cert_free(&c);
    ok(store_get(st, ids[3], &c, err, sizeof(err)) == 0 && c.revoked && c.expired,
       "store_get: revoked and expired both said");
    store_cert_free(&c);
    is_int(count_where(where, "SELECT count(*) FROM certificates WHERE expires_at IS NULL"), 1,
           "the index keeps NULL for no expiry");
}

static void test_search(struct store *st)
{
    struct store_query q = {.status = "expired"};
    struct store_page page;
    char err[256] = "", names[256];

    names_of(st, &q, names, sizeof(names));
    is_str(names, "Ana Velha", "status=expired: the expired one, not the revoked one");
    q.status = "valid";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Bruno Novo|Carla Livre", "status=valid: neither expired nor revoked");
    q = (struct store_query){.status = "expired", .q = "ana"};
    is_int(total_with(st, &q), 1, "status=expired with words");
    q.q = "bruno";
    is_int(total_with(st, &q), 0, "a valid one with status=expired: not found");
    q = (struct store_query){.status = "valid", .q = "ana"};
    is_int(total_with(st, &q), 0, "an expired one with status=valid: not found");
    q = (struct store_query){.status = "expired", .now = "2003-03-10 09:00:00"};
    is_int(total_with(st, &q), 0, "at the very second of expiry: nothing expired yet");
    q.now = "2123-05-31 10:00:01";
    is_int(total_with(st, &q), 2, "after 2123: both have expired");
    q = (struct store_query){.status = "valid", .now = "2123-05-31 10:00:01", .q = "bruno"};
    is_int(total_with(st, &q), 0, "after 2123, with words: Bruno no longer valid");
    q = (struct store_query){.status = "expired", .now = "yesterday"};
    ok(store_search(st, &q, &page, err, sizeof(err)) < 0 && strstr(err, "now:"),
       "a malformed now is refused: %s", err);
    q = (struct store_query){.q = "ana"};
    ok(store_search(st, &q, &page, err, sizeof(err)) == 0 && page.n_hits == 1 &&
           !strcmp(page.hits[0].expires_at, LONG_AGO) && page.hits[0].expired &&
           !page.hits[0].revoked,
       "a hit carries expires_at and expired");
    store_page_free(&page);
    q.q = "bruno";
    ok(store_search(st, &q, &page, err, sizeof(err)) == 0 && page.n_hits == 1 &&
           !page.hits[0].expired,
       "a hit not yet expired");
    store_page_free(&page);
}

static void test_plans(struct store *st)
{
    static const struct store_query cases[] = {{.status = "expired"}, {.status = "valid"}};
    struct buf plan = BUF_INIT;
    char err[256] = "";

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_reset(&plan);
        ok(store_search_explain(st, &cases[i], &plan, err, sizeof(err)) == 0 && plan.data &&
               strstr(plan.data, "COVERING INDEX certificates_recent"),
           "status=%s without words: the order's covering index", cases[i].status);
        if (plan.data && !strstr(plan.data, "COVERING"))
            printf("# %s", plan.data);
    }
    /* With words, each match is joined to its row for the clock's test, in
     * the full-text table's own newest-first order: no sort of the matches. */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct store_query q = cases[i];
        char *page;
        q.q = "ana";
        buf_reset(&plan);
        store_search_explain(st, &q, &plan, err, sizeof(err));
        page = plan.data ? strstr(plan.data, "page:") : NULL;
        if (page)
            *page = '\0';
        ok(page && strstr(plan.data, "certificates_fts VIRTUAL TABLE INDEX") &&
               strstr(plan.data, "INTEGER PRIMARY KEY") && !strstr(plan.data, "TEMP B-TREE"),
           "status=%s with words: the FTS5 walk, each row by its key, unsorted", q.status);
    }
    buf_free(&plan);
}

/* A re-make that now prints another expiry (its course's validity changed),
 * or none; or a malformed one. */
static const char *remade_expiry;

static int expiring_rerender(void *ctx, const struct store_ticket *t, const char *raw,
                             size_t raw_len, struct buf *pdf, char expires_at[20], char *err,
                             size_t errlen)
{
    if (remade_expiry)
        snprintf(expires_at, 20, "%s", remade_expiry);
    return fake_rerender(ctx, t, raw, raw_len, pdf, expires_at, err, errlen);
}

static void test_rerender(struct store *st, char ids[4][STORE_ID_MAX])
{
    struct store_cert c;
    char err[256] = "";
    size_t n = 0;

    remade_expiry = FAR_AHEAD;
    ok(store_rerender(st, NULL, expiring_rerender, NULL, &n, err, sizeof(err)) == 0 && n == 4,
       "rerender all four (%s)", err);
    ok(store_get(st, ids[0], &c, err, sizeof(err)) == 0 && !strcmp(c.expires_at, FAR_AHEAD) &&
           !c.expired,
       "the index takes the expiry the new PDF prints");
    store_cert_free(&c);
    ok(store_get(st, ids[2], &c, err, sizeof(err)) == 0 && !strcmp(c.expires_at, FAR_AHEAD),
       "also where there was none");
    store_cert_free(&c);
    remade_expiry = NULL;
    store_rerender(st, NULL, expiring_rerender, NULL, &n, err, sizeof(err));
    ok(store_get(st, ids[0], &c, err, sizeof(err)) == 0 && c.expires_at[0] == '\0' && !c.expired,
       "a re-make without an expiry clears it");
    store_cert_free(&c);
    remade_expiry = "2003-02-30 00:00:00";
    ok(store_rerender(st, NULL, expiring_rerender, NULL, &n, err, sizeof(err)) < 0 &&
           strstr(err, "expires_at '2003-02-30 00:00:00' is not a calendar time"),
       "a malformed expiry from the renderer is refused: %s", err);
    ok(store_get(st, ids[0], &c, err, sizeof(err)) == 0 && c.expires_at[0] == '\0' &&
           c.revs[0].generation == 2,
       "and changes nothing");
    store_cert_free(&c);
    remade_expiry = NULL;
}

static void test_bad_field(struct store *st)
{
    struct store_result r;
    struct ev e;
    char err[256] = "";

    ev_init(&e, 9, 50, 100, "Eva Errada", "x@example.com", NULL, "NR-35", "2001-03-10 09:00:00",
            "participation");
    e.f.expires_at = "2003-02-30 00:00:00";
    ok(store_put(st, &e.f, fake_render, NULL, &r, err, sizeof(err)) < 0 &&
           strstr(err, "expires_at '2003-02-30 00:00:00' is not a calendar time"),
       "an expiry that is no calendar time is refused: %s", err);
}

/* An index of schema 5 (made now, then taken back) opens, upgrades to 6 and
 * keeps its rows, which never expire; new rows expire. */
static void test_upgrade(const char *dir)
{
    char err[512] = "", names[256];
    struct store *st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    struct store_query q = {0};
    struct store_cert c;
    struct ev e;
    char id[STORE_ID_MAX];

    if (!ok(st != NULL, "a store to take back to schema 5 (%s)", err))
        return;
    ev_init(&e, 3, 1, 1, "Olga Antiga", "o@example.com", NULL, "Curso", "2001-01-01 10:00:00",
            "participation");
    put(st, &e, NULL);
    store_close(st);
    if (!ok(index_exec(dir, UNDO_V7_SQL UNDO_V6_SQL "PRAGMA user_version = 5;") == 0, "schema 5 again"))
        return;
    is_int(index_int(dir, "SELECT count(*) FROM pragma_table_info('certificates')"
                          " WHERE name = 'expires_at'"),
           0, "no expires_at column at schema 5");
    st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    if (!ok(st != NULL, "an index of schema 5 opens (%s)", err))
        return;
    store_id_make(3, 1, 1, id);
    ok(store_get(st, id, &c, err, sizeof(err)) == 0 && !strcmp(c.user_name, "Olga Antiga") &&
           c.expires_at[0] == '\0' && !c.expired,
       "its row is kept and never expires");
    store_cert_free(&c);
    ev_init(&e, 3, 2, 1, "Paula Nova", "p@example.com", NULL, "Curso", "2001-01-01 10:00:00",
            "participation");
    e.f.expires_at = LONG_AGO;
    is_int(put(st, &e, NULL), 0, "a new row with an expiry");
    q.status = "expired";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Paula Nova", "status=expired finds it");
    q.status = "valid";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Olga Antiga", "status=valid the old row");
    test_plans(st);
    store_close(st);
    is_int(index_int(dir, "PRAGMA user_version"), 7, "the index is now version 7");
}

int main(void)
{
    char *dir = make_tmpdir();
    struct buf sub = BUF_INIT;
    char err[512] = "", ids[4][STORE_ID_MAX], *where;
    struct store *st;

    test_rule();
    buf_addf(&sub, "%s/expiry", dir);
    where = test_location(sub.data);
    st = store_open(where, fake_rerender, NULL, err, sizeof(err));
    if (ok(st != NULL, "open a store (%s)", err)) {
        fill(st, ids);
        test_fields(st, where, ids);
        test_search(st);
        if (!test_on_pg()) /* the plans named are SQLite's */
            test_plans(st);
        test_bad_field(st);
        test_rerender(st, ids);
    }
    store_close(st);
    free(where);
    buf_reset(&sub);
    if (!test_on_pg()) { /* the folder's index upgrade (PostgreSQL's: t0800) */
        buf_addf(&sub, "%s/v5", dir);
        test_upgrade(sub.data);
    }

    rm_rf(dir);
    free(dir);
    buf_free(&sub);
    return tap_done();
}
