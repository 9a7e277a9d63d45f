/* What only the PostgreSQL store does, against the database that
 * CERTIFICA_TEST_STORE names (tests/t0800-store-pg.sh; without it this
 * program has nothing to test): a put sends its statements in two pipelines
 * (begin, claim and lock; then the revision, its PDF, the certificate's
 * fields and the commit), and a statement refused in either leaves nothing
 * of that put behind, answers with the database's reason, and leaves the
 * connection fit for the next put. The refusals are made by constraints the
 * test adds to its own schema, as a full disk or a bug would refuse a write.
 */
#include "store_tests.h"
#include "backend_tests.h"

static int put_ev(struct store *st, struct ev *e, struct store_result *r, char *err, size_t errlen)
{
    struct render_ctx ctx = RENDER_CTX_INIT;
    return store_put(st, &e->f, fake_render, &ctx, r, err, errlen);
}

/* The first value of SQL on the test's schema, as a number. */
static long value(const char *where, const char *sql)
{
    char *v = test_pg_value(where, sql);
    long n = atol(v);
    free(v);
    return n;
}

static void test_refused(const char *where)
{
    struct store_result r;
    struct store_cert c;
    struct ev a, b;
    char err[512] = "", id[STORE_ID_MAX] = "", *v;
    struct store *st = store_open(where, NULL, NULL, err, sizeof(err));

    if (!ok(st != NULL, "store opened (%s)", err))
        return;
    ev_init(&a, 1, 1, 10, "Ana Lima", "2024-03-10 10:00:00");
    is_int(put_ev(st, &a, &r, err, sizeof(err)), 0, "a first certificate");
    snprintf(id, sizeof(id), "%s", r.ticket.id);

    /* the second pipeline: its PDF refused */
    free(test_pg_value(where, "ALTER TABLE revision_files"
                              " ADD CONSTRAINT t_no_pdf CHECK (length(pdf) < 5) NOT VALID"));
    is_int(value(where, "SELECT count(*) FROM pg_constraint WHERE conname = 't_no_pdf'"), 1,
           "new PDFs refused from now on");
    ev_init(&b, 1, 2, 10, "Bruno Dias", "2024-03-11 10:00:00");
    err[0] = '\0';
    is_int(put_ev(st, &b, &r, err, sizeof(err)), -1, "a new certificate whose PDF is refused");
    ok(strstr(err, "t_no_pdf") != NULL, "the error names the refusal (%s)", err);
    ev_init(&a, 1, 1, 10, "Ana Lima Souza", "2024-03-10 10:00:00");
    is_int(put_ev(st, &a, &r, err, sizeof(err)), -1, "a revision whose PDF is refused");
    is_int(value(where, "SELECT count(*) FROM certificates"), 1,
           "no certificate row of the refused one, not even its claim");
    is_int(value(where, "SELECT count(*) FROM revisions"), 1, "and no revision of either");
    is_int(value(where, "SELECT count(*) FROM search_words WHERE word = 'bruno'"), 0,
           "nor its words");
    is_int(value(where, "SELECT sum(n) FROM listing_counts"), 1, "nor its count");
    if (is_int(store_get(st, id, &c, err, sizeof(err)), 0, "the first certificate is there"))
        ok(c.n_revs == 1 && strcmp(c.user_name, "Ana Lima") == 0,
           "at its first revision, with its first name");
    store_cert_free(&c);
    free(test_pg_value(where, "ALTER TABLE revision_files DROP CONSTRAINT t_no_pdf"));

    /* the first pipeline: the claim refused */
    free(test_pg_value(where,
                       "ALTER TABLE certificates"
                       " ADD CONSTRAINT t_no_bruno CHECK (user_name <> 'Bruno Dias') NOT VALID"));
    is_int(value(where, "SELECT count(*) FROM pg_constraint WHERE conname = 't_no_bruno'"), 1,
           "a name refused from now on");
    err[0] = '\0';
    is_int(put_ev(st, &b, &r, err, sizeof(err)), -1, "a certificate whose claim is refused");
    ok(strstr(err, "t_no_bruno") != NULL, "the error names the refusal (%s)", err);
    is_int(value(where, "SELECT count(*) FROM certificates"), 1, "nothing of it is there");
    free(test_pg_value(where, "ALTER TABLE certificates DROP CONSTRAINT t_no_bruno"));

    /* the same connections, fit again */
    for (int i = 0; i < 3; i++) {
        struct ev e;
        char name[32];
        snprintf(name, sizeof(name), "Pessoa %d", i);
        ev_init(&e, 1, 10 + i, 10, name, "2024-03-12 10:00:00");
        is_int(put_ev(st, &e, &r, err, sizeof(err)), 0, "then a put succeeds (%d)", i);
    }
    is_int(put_ev(st, &b, &r, err, sizeof(err)), 0, "the refused certificate, once allowed");
    is_int(r.outcome, STORE_ISSUED, "is issued");
    is_int(r.ticket.revision, 1, "at revision 1");
    is_int(put_ev(st, &a, &r, err, sizeof(err)), 0, "the refused revision, once allowed");
    is_int(r.ticket.revision, 2, "is revision 2");
    is_int(value(where, "SELECT sum(n) FROM listing_counts"), 5, "five certificates counted");
    v = test_pg_value(where, "SELECT count(*) FROM revisions r JOIN revision_files f"
                             " USING (id, revision)");
    is_int(atoi(v), 6, "six revisions, each with its PDF");
    free(v);
    store_close(st);
}

int main(void)
{
    char *dir, *where;

    if (!test_on_pg()) {
        printf("# no database named by CERTIFICA_TEST_STORE: tests/t0800-store-pg.sh runs this\n");
        return tap_done();
    }
    dir = make_tmpdir();
    where = test_location(dir);
    test_refused(where);
    free(where);
    rm_rf(dir);
    free(dir);
    return tap_done();
}
