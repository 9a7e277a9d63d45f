/* Unit tests of the store: identity and codes, puts and revisions, late
 * (stale) deliveries and the upgrade that keeps send_at, lookups, errors,
 * and locations that are not folders. Concurrency, batches and crashes are
 * in test_store_crash.c. */
#include "index_sql.h"
#include "store_tests.h"

static void test_ids_and_codes(void)
{
    char a[STORE_ID_MAX], b[STORE_ID_MAX], c[STORE_ID_MAX], norm[STORE_CODE_MAX];
    char(*codes)[STORE_CODE_MAX] = xcalloc(CODE_DRAWS, STORE_CODE_MAX);
    int bad = 0, dups = 0;

    store_id_make(1, 2, 3, a);
    is_str(a, "ykfy6khcndablddy", "id of (1, 2, 3) is stable");
    store_id_make(9007199254740991LL, 1, 1, b);
    is_str(b, "dhkfelo7q5qfght7", "id of the largest exact integer");
    store_id_make(12, 3, 4, b);
    store_id_make(1, 23, 4, c);
    ok(strcmp(b, c) != 0, "ids keep the triple's parts apart");

    for (int i = 0; i < CODE_DRAWS; i++) {
        if (store_code_generate(codes[i]) < 0 || !valid_code(codes[i]))
            bad++;
    }
    is_int(bad, 0, "%d codes are XXXXX-XXXXX-XXXXX in Crockford base32", CODE_DRAWS);
    qsort(codes, CODE_DRAWS, STORE_CODE_MAX, cmp_code);
    for (int i = 1; i < CODE_DRAWS; i++)
        dups += strcmp(codes[i - 1], codes[i]) == 0;
    is_int(dups, 0, "%d codes are unique", CODE_DRAWS);
    free(codes);

    is_int(store_code_normalize("k7qf3-m9xt2-hd4ab", norm), 0, "lowercase code normalises");
    is_str(norm, "K7QF3-M9XT2-HD4AB", "to upper case with dashes");
    store_code_normalize("K7QF3M9XT2HD4AB", norm);
    is_str(norm, "K7QF3-M9XT2-HD4AB", "dashes are optional");
    store_code_normalize("oOiIlL0-000-00000", norm);
    is_str(norm, "00111-10000-00000", "O reads as 0, I and L as 1");
    is_int(store_code_normalize("K7QF3-M9XT2-HD4A", norm), -1, "too short is malformed");
    is_int(store_code_normalize("K7QF3-M9XT2-HD4ABC", norm), -1, "too long is malformed");
    is_int(store_code_normalize("K7QF3-M9XT2-HD4AU", norm), -1, "U is not in the alphabet");
    is_int(store_code_normalize("K7QF3/M9XT2-HD4AB", norm), -1, "a slash is malformed");
    is_int(store_code_normalize("", norm), -1, "empty is malformed");
}

/* --- puts, revisions, lookups ----------------------------------------------- */

static void test_put_get(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r1, r2, r3;
    struct store_cert c;
    struct buf raw = BUF_INIT, pdf = BUF_INIT;
    struct ev e;
    char err[256] = "", code1[STORE_CODE_MAX], lower[STORE_CODE_MAX], id[STORE_ID_MAX];
    int rev = 0;
    struct store *st = store_open(dir, fake_rerender, &rc, err, sizeof(err));

    ok(st != NULL, "store_open makes a new store (%s)", err);
    if (!st)
        return;
    ev_init(&e, 1, 2, 3, "Maria Silva", "2024-03-15 12:00:00");
    is_int(store_put(st, &e.f, fake_render, &rc, &r1, err, sizeof(err)), 0, "put (%s)", err);
    is_int(r1.outcome, STORE_ISSUED, "first put is issued");
    is_int(r1.ticket.revision, 1, "as revision 1");
    is_str(r1.ticket.id, "ykfy6khcndablddy", "with the id of the triple");
    ok(valid_code(r1.ticket.code), "and a well-formed code");
    is_int(rc.calls, 1, "the renderer ran once");
    snprintf(code1, sizeof(code1), "%s", r1.ticket.code);
    snprintf(id, sizeof(id), "%s", r1.ticket.id);

    is_int(store_put(st, &e.f, fake_render, &rc, &r2, err, sizeof(err)), 0, "same put again");
    is_int(r2.outcome, STORE_UNCHANGED, "same fields twice: unchanged");
    is_int(r2.ticket.revision, 1, "still revision 1");
    is_str(r2.ticket.code, code1, "with the same code");
    is_int(rc.calls, 1, "the renderer did not run again");

    is_int(store_get(st, id, &c, err, sizeof(err)), 0, "get by id");
    is_str(c.user_name, "Maria Silva", "name");
    is_str(c.course_name, "Gestão de Projetos", "course name");
    is_str(c.certified_at, "2024-03-15 12:00:00", "certified_at");
    is_str(c.enrolled_at, "", "no enrolled_at");
    ok(c.has_approval_rate && c.approval_rate == 87.5, "approval rate");
    is_int(c.n_revs, 1, "one revision");
    if (c.n_revs == 1) {
        struct buf want = BUF_INIT;
        if (test_on_pg()) {
            ok(c.revs[0].pdf_path == NULL, "the PDF is in the database, not a file");
        } else {
            buf_addf(&want, "%s/pdf/1/2024/03/%s-r1.pdf", dir, id);
            is_str(c.revs[0].pdf_path, want.data, "pdf at pdf/<inst>/<yyyy>/<mm>/<id>-r1.pdf");
        }
        is_int(store_pdf(st, id, 1, &pdf, err, sizeof(err)), 0, "store_pdf reads it (%s)", err);
        is_int(store_pdf(st, id, 7, &want, err, sizeof(err)), 1, "no revision 7: not found");
        buf_reset(&want);
        buf_addf(&want, "%%PDF-fake %s 1 %s\n", id, code1);
        is_str(pdf.data, want.data, "the file holds what the renderer made");
        buf_free(&want);
        is_int(c.revs[0].size, (long)pdf.len, "its size is recorded");
        is_int(c.revs[0].superseded, 0, "not superseded");
        is_int(strlen(c.revs[0].created_at), 19, "created_at is set");
    }
    store_cert_free(&c);
    ok(cert_files_ok(st, id), "the file matches its sha256");

    /* Name corrected: revision 2. */
    ev_init(&e, 1, 2, 3, "Maria da Silva", "2024-04-02 08:00:00");
    is_int(store_put(st, &e.f, fake_render, &rc, &r3, err, sizeof(err)), 0, "revised put");
    is_int(r3.outcome, STORE_REVISED, "canonical changed: revised");
    is_int(r3.ticket.revision, 2, "revision 2");
    ok(strcmp(r3.ticket.code, code1) != 0, "with a new code");
    is_int(store_get(st, id, &c, err, sizeof(err)), 0, "get after revision");
    is_int(c.latest, 2, "latest is 2");
    is_str(c.user_name, "Maria da Silva", "fields come from the latest revision");
    is_int(c.n_revs, 2, "both revisions are listed");
    if (c.n_revs == 2) {
        is_int(c.revs[0].superseded, 1, "revision 1 is superseded");
        is_int(c.revs[1].superseded, 0, "revision 2 is not");
        if (!test_on_pg()) {
            ok(file_exists(c.revs[0].pdf_path), "revision 1's file is still there");
            ok(strstr(c.revs[1].pdf_path, "/pdf/1/2024/04/") != NULL,
               "revision 2 files under its own certified_at month");
        }
    }
    store_cert_free(&c);
    ok(cert_files_ok(st, id), "both files match their sha256");

    /* By code: lowercase, without dashes. */
    for (size_t i = 0, j = 0; i < sizeof(lower); i++) {
        char ch = code1[i];
        if (ch == '-')
            continue;
        lower[j++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        if (!ch)
            break;
    }
    is_int(store_get_by_code(st, lower, &c, &rev, err, sizeof(err)), 0, "get by code '%s'", lower);
    is_str(c.id, id, "finds the certificate");
    is_int(rev, 1, "and says the code is revision 1's");
    store_cert_free(&c);
    is_int(store_get_by_code(st, r3.ticket.code, &c, &rev, err, sizeof(err)), 0,
           "get by revision 2's code");
    is_int(rev, 2, "revision 2");
    store_cert_free(&c);
    is_int(store_get_by_code(st, "00000-00000-00000", &c, &rev, err, sizeof(err)), 1,
           "unknown code: not found");
    is_int(store_get_by_code(st, "../../etc/passwd", &c, &rev, err, sizeof(err)), 1,
           "malformed code: not found");
    is_int(store_get(st, "aaaaaaaaaaaaaaaa", &c, err, sizeof(err)), 1, "unknown id: not found");

    is_int(store_raw_event(st, id, 1, &raw, err, sizeof(err)), 0, "raw event of revision 1");
    ok(raw.data && strstr(raw.data, "\"Maria Silva\""), "is the body archived with it");
    is_int(store_raw_event(st, id, 9, &raw, err, sizeof(err)), 1, "no revision 9");

    /* A render failure leaves nothing behind. */
    ev_init(&e, 1, 2, 99, "Ana", "2024-03-15 12:00:00");
    rc.fail = 1;
    is_int(store_put(st, &e.f, fake_render, &rc, &r1, err, sizeof(err)), -1,
           "a failing renderer fails the put");
    is_str(err, "template 'x' is broken", "with the renderer's message");
    rc.fail = 0;
    store_id_make(1, 2, 99, id);
    is_int(store_get(st, id, &c, err, sizeof(err)), 1, "and no row was written");
    is_int(store_put(st, &e.f, fake_render, &rc, &r1, err, sizeof(err)), 0, "put again");
    is_int(r1.ticket.revision, 1, "is revision 1");

    /* Revocation. */
    is_int(store_revoke(st, id, "issued by mistake", err, sizeof(err)), 0, "revoke");
    is_int(store_revoke(st, id, "another reason", err, sizeof(err)), 0, "revoke again");
    is_int(store_get(st, id, &c, err, sizeof(err)), 0, "get revoked");
    is_int(c.revoked, 1, "is revoked");
    is_str(c.revoke_reason, "issued by mistake", "keeps the first reason");
    is_int(strlen(c.revoked_at), 19, "with the time");
    store_cert_free(&c);
    is_int(store_revoke(st, "aaaaaaaaaaaaaaaa", "x", err, sizeof(err)), 1,
           "revoking an unknown id: not found");
    is_int(store_revoke(st, id, "", err, sizeof(err)), -1, "a reason is required");
    ev_init(&e, 1, 2, 99, "Ana Souza", "2024-03-15 12:00:00");
    store_put(st, &e.f, fake_render, &rc, &r1, err, sizeof(err));
    store_get(st, id, &c, err, sizeof(err));
    ok(c.revoked && c.latest == 2, "a revoked certificate stays revoked when revised");
    store_cert_free(&c);

    buf_free(&raw);
    buf_free(&pdf);
    store_close(st);
}

/* --- concurrency ------------------------------------------------------------ */

static void test_errors(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct buf p = BUF_INIT;
    struct ev e;
    char err[512] = "";
    struct store *st;

    if (geteuid() == 0) {
        ok(1, "# skip write errors: running as root");
        return;
    }
    st = store_open(dir, NULL, NULL, err, sizeof(err));
    if (!st)
        return;
    buf_addf(&p, "%s/pdf/11", dir);
    mkdir(p.data, 0500);
    ev_init(&e, 11, 1, 1, "Nobody", "2024-01-01 10:00:00");
    is_int(store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err)), -1,
           "an unwritable folder fails the put");
    ok(strstr(err, "/pdf/11/2024'") && strstr(err, "Permission denied"), "naming it: %s", err);
    chmod(p.data, 0750);
    store_close(st);
    buf_free(&p);
}

/* Locations that are URIs name other kinds of store: PostgreSQL ones are
 * connected to (here: no such server), with an error that never repeats
 * the URI's user or password, and no folder made for it. */
static void test_locations(const char *dir)
{
    const char *uris[] = {"postgresql://certifica:s3cret@db.example/certs",
                          "postgres://certifica:s3cret@db.example/certs", "PostgreSQL://db/x"};
    struct buf p = BUF_INIT;
    char err[512], cwd[4096];
    struct store *st;
    struct stat sb;

    if (!getcwd(cwd, sizeof(cwd)) || chdir(dir) < 0) {
        ok(0, "enter '%s': %s", dir, strerror(errno));
        return;
    }
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        err[0] = '\0';
        st = store_open(uris[i], NULL, NULL, err, sizeof(err));
        ok(!st && strstr(err, "cannot connect to database") && !strstr(err, "s3cret") &&
               !strstr(err, "certifica:"),
           "'%.13s...' is refused: %s", uris[i], err);
        store_close(st);
    }
    ok(lstat("postgresql:", &sb) < 0 && lstat("postgres:", &sb) < 0 &&
           lstat("PostgreSQL:", &sb) < 0,
       "and no folder is made for it");
    st = store_open("mysql://db/x", NULL, NULL, err, sizeof(err));
    ok(!st && strstr(err, "unknown kind 'mysql://'"), "another scheme is unknown: %s", err);
    store_close(st);
    st = store_open("odd:name", NULL, NULL, err, sizeof(err));
    ok(st && !strcmp(store_dir(st), "odd:name"), "a folder with a colon is still a folder (%s)",
       st ? "" : err);
    store_close(st);
    st = store_open("odd:name//", NULL, NULL, err, sizeof(err));
    ok(st && !strcmp(store_dir(st), "odd:name"), "its trailing slashes dropped (%s)",
       st ? "" : err);
    store_close(st);
    buf_addf(&p, "%s/odd:name/index.sqlite", dir);
    ok(lstat(p.data, &sb) == 0, "with its index inside");
    if (chdir(cwd) < 0)
        ok(0, "back to '%s': %s", cwd, strerror(errno));
    buf_free(&p);
}

/* --- late deliveries ------------------------------------------------------ */

static void test_decide_rule(void)
{
    struct store_fields f = {.canonical = "A", .send_at = "2024-01-01 10:00:00"};
    struct {
        const char *latest, *latest_sent, *canonical, *sent;
        int earlier;
        enum store_outcome want;
        const char *what;
    } cases[] = {
        {NULL, NULL, "A", "2024-01-01 10:00:00", 0, STORE_ISSUED, "no revision yet: issued"},
        {"A", "2024-01-01 10:00:00", "A", "2024-01-01 10:00:00", 0, STORE_UNCHANGED,
         "same content, same send_at: unchanged"},
        {"A", "2024-01-01 10:00:00", "A", "2025-01-01 10:00:00", 0, STORE_UNCHANGED,
         "same content as the latest, newer send_at: unchanged"},
        {"A", "2024-01-01 10:00:00", "A", "2023-01-01 10:00:00", 0, STORE_UNCHANGED,
         "same content as the latest, older send_at: unchanged"},
        {"B", "2024-01-02 10:00:00", "A", "2024-01-01 10:00:00", 1, STORE_STALE,
         "an earlier content, older send_at: stale"},
        {"B", "2024-01-02 10:00:00", "A", "2024-01-02 10:00:00", 1, STORE_STALE,
         "an earlier content, the same send_at: stale"},
        {"B", "2024-01-02 10:00:00", "A", "2024-01-02 10:00:01", 1, STORE_REVISED,
         "an earlier content, newer send_at: revised"},
        {"B", "2024-01-02 10:00:00", "C", "2024-01-01 10:00:00", 0, STORE_STALE,
         "a content never seen, older send_at: stale"},
        {"B", "2024-01-02 10:00:00", "C", "2024-01-02 10:00:00", 0, STORE_REVISED,
         "a content never seen, the same send_at: revised"},
        {"B", "2024-01-02 10:00:00", "C", "2024-01-03 10:00:00", 0, STORE_REVISED,
         "a content never seen, newer send_at: revised"},
        {"B", NULL, "A", "2024-01-01 10:00:00", 1, STORE_STALE,
         "latest send_at unknown, an earlier content: stale"},
        {"B", "", "C", "2020-01-01 10:00:00", 0, STORE_REVISED,
         "latest send_at unknown, a content never seen: revised"},
        {"B", "2024-01-02 10:00:00", "A", NULL, 1, STORE_STALE,
         "send_at unknown, an earlier content: stale"},
        {"B", "2024-01-02 10:00:00", "C", NULL, 0, STORE_REVISED,
         "send_at unknown, a content never seen: revised"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f.canonical = cases[i].canonical;
        f.send_at = cases[i].sent;
        is_int(store_decide(cases[i].latest, cases[i].latest_sent, cases[i].earlier, &f),
               cases[i].want, "rule: %s", cases[i].what);
    }
    is_str(store_outcome_name(STORE_STALE), "stale", "the outcome is named 'stale'");
}

/* Put e; the outcome, or -1 (with the error printed). */
static int put_outcome(struct store *st, struct ev *e, struct render_ctx *rc,
                       struct store_result *r)
{
    char err[256] = "";
    if (store_put(st, &e->f, fake_render, rc, r, err, sizeof(err)) < 0) {
        printf("# put: %s\n", err);
        return -1;
    }
    return (int)r->outcome;
}

/* The latest revision's name, the number of revisions and their send_at. */
static void history(struct store *st, const char *id, char *out, size_t n)
{
    struct store_cert c;
    char err[256];
    size_t used;

    if (store_get(st, id, &c, err, sizeof(err)) != 0) {
        snprintf(out, n, "(%s)", err);
        return;
    }
    used = (size_t)snprintf(out, n, "%s r%d/%zu", c.user_name, c.latest, c.n_revs);
    for (size_t i = 0; i < c.n_revs && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, " [%s]", c.revs[i].send_at);
    store_cert_free(&c);
}

static void test_stale(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct ev a, b, c;
    char err[256] = "", h[512], code2[STORE_CODE_MAX] = "", id[STORE_ID_MAX];
    struct store *st = store_open(dir, fake_rerender, &rc, err, sizeof(err));
    int calls;

    if (!ok(st != NULL, "a store for late deliveries (%s)", err))
        return;
    ev_init(&a, 3, 4, 5, "Jose Silva", "2024-03-15 12:00:00");
    ev_init(&b, 3, 4, 5, "José Silva", "2024-03-15 12:00:00");
    ev_init(&c, 3, 4, 5, "José da Silva", "2024-03-15 12:00:00");
    ev_sent(&a, "2024-03-15 12:00:01");
    ev_sent(&b, "2024-03-16 09:00:00");
    store_id_make(3, 4, 5, id);

    is_int(put_outcome(st, &a, &rc, &r), STORE_ISSUED, "A: issued");
    is_int(put_outcome(st, &b, &rc, &r), STORE_REVISED, "B, the correction: revised");
    snprintf(code2, sizeof(code2), "%s", r.ticket.code);
    calls = rc.calls;
    is_int(put_outcome(st, &a, &rc, &r), STORE_STALE, "A again, late: stale");
    ok(r.ticket.revision == 2 && strcmp(r.ticket.code, code2) == 0 && strcmp(r.ticket.id, id) == 0,
       "a stale delivery answers with the latest revision and its code");
    is_int(rc.calls, calls, "nothing was rendered");
    history(st, id, h, sizeof(h));
    is_str(h, "José Silva r2/2 [2024-03-15 12:00:01] [2024-03-16 09:00:00]",
           "nothing was written: the correction stays the latest, send_at kept per revision");

    ev_sent(&a, "2024-03-16 09:00:00");
    is_int(put_outcome(st, &a, &rc, &r), STORE_STALE, "A with the latest's send_at: stale");
    ev_sent(&b, "2030-01-01 00:00:00");
    is_int(put_outcome(st, &b, &rc, &r), STORE_UNCHANGED,
           "B again, newer send_at: unchanged (content of the latest)");
    ev_sent(&c, "2024-03-16 08:59:59");
    is_int(put_outcome(st, &c, &rc, &r), STORE_STALE,
           "a content never seen but sent before the latest: stale");
    is_int(r.ticket.revision, 2, "answered with revision 2");
    is_int(put_outcome(st, &a, &rc, &r), STORE_STALE, "A once more: still stale");

    ev_sent(&a, "2024-03-17 10:00:00");
    is_int(put_outcome(st, &a, &rc, &r), STORE_REVISED, "A sent later: a real change, revised");
    is_int(r.ticket.revision, 3, "as revision 3");
    ok(strcmp(r.ticket.code, code2) != 0, "with a new code");
    history(st, id, h, sizeof(h));
    is_str(h, "Jose Silva r3/3 [2024-03-15 12:00:01] [2024-03-16 09:00:00] [2024-03-17 10:00:00]",
           "revision 3 has A's name and send_at");
    ev_sent(&b, "2024-03-16 09:00:00");
    is_int(put_outcome(st, &b, &rc, &r), STORE_STALE, "B's late retry now: stale");
    is_int(r.ticket.revision, 3, "answered with revision 3");

    /* Without send_at at all (a caller that has none): content decides. */
    ev_sent(&b, NULL);
    ev_sent(&c, NULL);
    is_int(put_outcome(st, &b, &rc, &r), STORE_STALE, "no send_at, an earlier content: stale");
    is_int(put_outcome(st, &c, &rc, &r), STORE_REVISED, "no send_at, a new content: revised");
    history(st, id, h, sizeof(h));
    is_str(h,
           "José da Silva r4/4 [2024-03-15 12:00:01] [2024-03-16 09:00:00] "
           "[2024-03-17 10:00:00] []",
           "a revision without send_at keeps none");

    a.f.send_at = "2024-13-01 00:00:00";
    ok(store_put(st, &a.f, fake_render, &rc, &r, err, sizeof(err)) < 0 &&
           strstr(err, "send_at '2024-13-01 00:00:00' is not a calendar time"),
       "a malformed send_at is refused: %s", err);
    store_close(st);
}

/* Take dir's index back to schema 2 (before send_at, the walls of version 4
 * and the search text of version 5), as an older certifica left it (the
 * full-text table goes too: the upgrade makes it again). */
static int downgrade_to_v2(const char *dir)
{
    return index_exec(dir, UNDO_TO_V3_SQL "ALTER TABLE revisions DROP COLUMN send_at;"
                                          "PRAGMA user_version = 2;");
}

static void test_stale_upgrade(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct ev a, b, x;
    char err[256] = "", h[512], id[STORE_ID_MAX], idx[STORE_ID_MAX];
    struct store *st = store_open(dir, fake_rerender, &rc, err, sizeof(err));

    if (!ok(st != NULL, "a store to upgrade (%s)", err))
        return;
    ev_init(&a, 3, 4, 5, "Jose Silva", "2024-03-15 12:00:00");
    ev_init(&b, 3, 4, 5, "José Silva", "2024-03-15 12:00:00");
    ev_sent(&a, "2024-03-15 12:00:01");
    ev_sent(&b, "2024-03-16 09:00:00");
    store_id_make(3, 4, 5, id);
    store_id_make(3, 4, 6, idx);
    put_outcome(st, &a, &rc, &r);
    put_outcome(st, &b, &rc, &r);
    ev_init(&x, 3, 4, 6, "Ana Souza", "2024-03-15 12:00:00");
    ev_sent(&x, NULL); /* its raw event has no send_at */
    put_outcome(st, &x, &rc, &r);
    ev_init(&x, 3, 4, 6, "Ana Sousa", "2024-03-15 12:00:00");
    ev_sent(&x, NULL);
    is_int(put_outcome(st, &x, &rc, &r), STORE_REVISED, "two certificates, two revisions each");
    store_close(st);
    if (!ok(downgrade_to_v2(dir) == 0, "the index taken back to schema 2 (no send_at column)"))
        return;

    st = store_open(dir, fake_rerender, &rc, err, sizeof(err));
    if (!ok(st != NULL, "an index of schema 2 opens (%s)", err))
        return;
    history(st, id, h, sizeof(h));
    is_str(h, "José Silva r2/2 [2024-03-15 12:00:01] [2024-03-16 09:00:00]",
           "older rows: send_at read from their archived events");
    history(st, idx, h, sizeof(h));
    is_str(h, "Ana Sousa r2/2 [] []", "an archived event without send_at: unknown");
    is_int(put_outcome(st, &a, &rc, &r), STORE_STALE, "after the upgrade, A late: stale");
    ev_init(&x, 3, 4, 6, "Ana Souza", "2024-03-15 12:00:00");
    ev_sent(&x, "2020-01-01 00:00:00");
    is_int(put_outcome(st, &x, &rc, &r), STORE_STALE,
           "send_at unknown in the archive, an earlier content: stale");
    ev_init(&x, 3, 4, 6, "Ana Maria Sousa", "2024-03-15 12:00:00");
    ev_sent(&x, "2020-01-01 00:00:00");
    is_int(put_outcome(st, &x, &rc, &r), STORE_REVISED,
           "send_at unknown in the archive, a new content: revised");
    ev_sent(&a, "2024-03-17 10:00:00");
    is_int(put_outcome(st, &a, &rc, &r), STORE_REVISED, "A sent later: revised");
    history(st, id, h, sizeof(h));
    is_str(h, "Jose Silva r3/3 [2024-03-15 12:00:01] [2024-03-16 09:00:00] [2024-03-17 10:00:00]",
           "a new revision keeps its send_at in the upgraded index");
    store_close(st);
}

/* --- processes racing ------------------------------------------------------ */

/* Two processes put at once, as two servers on one store would: the same
 * event from both gives one certificate with one revision; two contents give
 * revisions 1 and 2, never two revision 1s (SQLite may refuse a put with
 * "try again" instead, PostgreSQL serialises them). */
static void race_child(const char *where, const char *name, int go)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    char err[256] = "", c;
    struct ev e;
    struct store *st = store_open(where, fake_rerender, &rc, err, sizeof(err));
    int bad = !st;

    if (!st)
        printf("# child: %s\n", err);
    if (read(go, &c, 1) != 1)
        bad = 1;
    for (int i = 0; st && i < 20; i++) {
        ev_init(&e, 7, 100 + i, 9, name, "2024-05-01 10:00:00");
        /* SQLite's processes share one file: one may be told to try
         * again; PostgreSQL's wait for each other and both succeed. */
        if (store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err)) < 0 &&
            (test_on_pg() || !strstr(err, "try again"))) {
            printf("# child: %s\n", err);
            bad = 1;
        }
    }
    store_close(st);
    fflush(stdout);
    _exit(bad);
}

static void test_race(const char *where)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    const char *names[2][2] = {{"Rosa Lima", "Rosa Lima"}, {"Rosa Lima", "Rosa de Lima"}};
    char err[256] = "";
    struct store *st = store_open(where, fake_rerender, &rc, err, sizeof(err));

    /* Made here, closed before the children copy this process. */
    if (!ok(st != NULL, "a store for racing processes (%s)", err))
        return;
    store_close(st);
    for (int round = 0; round < 2; round++) {
        int pipes[2], status, failed = 0, good = 1, revs = 0;
        pid_t kids[2];
        if (pipe(pipes) < 0)
            return;
        fflush(stdout);
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                close(pipes[1]);
                race_child(where, names[round][k], pipes[0]);
            }
        }
        close(pipes[0]);
        if (write(pipes[1], "go", 2) != 2)
            failed = 1;
        close(pipes[1]);
        for (int k = 0; k < 2; k++) {
            waitpid(kids[k], &status, 0);
            failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        }
        is_int(failed, 0, "round %d: both processes put without error", round + 1);
        st = store_open(where, fake_rerender, &rc, err, sizeof(err));
        if (!st)
            return;
        for (int i = 0; i < 20; i++) {
            char id[STORE_ID_MAX];
            struct store_cert c;
            store_id_make(7, 100 + i, 9, id);
            if (store_get(st, id, &c, err, sizeof(err)) != 0) {
                good = 0;
                continue;
            }
            revs += (int)c.n_revs;
            for (size_t j = 0; j < c.n_revs; j++)
                good &= c.revs[j].revision == (int)j + 1;
            store_cert_free(&c);
        }
        ok(good, "round %d: every certificate is there, revisions numbered 1, 2, ...",
           round + 1);
        is_int(revs, round == 0 ? 20 : 40,
               round == 0 ? "the same event from two processes: one revision each"
                          : "two contents: revisions 1 and 2 each");
        store_close(st);
    }
}

/* A file's hash finds its revision; after a rerender that changed the
 * bytes, the old hash is an earlier rendering of the same revision. */
static void test_find_file(const char *dir)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct store_result r;
    struct store_file_match m;
    struct store_cert c;
    struct ev e;
    char err[256] = "", old_sha[65] = "", code[STORE_CODE_MAX] = "";
    size_t count = 0;
    struct store *st = store_open(dir, fake_rerender, &rc, err, sizeof(err));

    if (!ok(st != NULL, "open a store for file look-ups (%s)", err))
        return;
    ev_init(&e, 4, 5, 6, "Rui Dias", "2023-02-01 09:00:00");
    is_int(store_put(st, &e.f, fake_render, &rc, &r, err, sizeof(err)), 0, "put (%s)", err);
    snprintf(code, sizeof(code), "%s", r.ticket.code);
    if (store_get(st, r.ticket.id, &c, err, sizeof(err)) == 0) {
        snprintf(old_sha, sizeof(old_sha), "%s", c.revs[0].sha256);
        store_cert_free(&c);
    }
    is_int(store_find_file(st, old_sha, &m, err, sizeof(err)), 0, "the file's hash is found");
    is_str(m.id, r.ticket.id, "its certificate");
    is_int(m.revision, 1, "its revision");
    is_str(m.code, code, "its code");
    is_int(m.earlier, 0, "as the current file");
    is_int(store_find_file(st, "0000000000000000000000000000000000000000000000000000000000000000",
                           &m, err, sizeof(err)),
           1, "an unknown hash is not found");

    rc.variant = 7;
    is_int(store_rerender(st, NULL, fake_rerender, &rc, &count, err, sizeof(err)), 0,
           "rerender to other bytes (%s)", err);
    is_int(store_find_file(st, old_sha, &m, err, sizeof(err)), 0, "the replaced file is found");
    is_int(m.earlier, 1, "as an earlier rendering");
    is_int(m.revision, 1, "of revision 1");
    is_str(m.code, code, "with its code");
    is_int(store_rerender(st, NULL, fake_rerender, &rc, &count, err, sizeof(err)), 0,
           "rerender again to the same bytes (%s)", err);
    if (store_get(st, r.ticket.id, &c, err, sizeof(err)) == 0) {
        is_int(store_find_file(st, c.revs[0].sha256, &m, err, sizeof(err)), 0,
               "the new file is found");
        is_int(m.earlier, 0, "as the current file, though it was also replaced by itself");
        store_cert_free(&c);
    }
    if (test_on_pg()) {
        char *n = test_pg_value(dir, "SELECT count(*) FROM earlier_files");
        is_str(n, "1", "a file re-made to the same bytes is no earlier rendering");
        free(n);
    } else {
        is_int(index_int(dir, "SELECT count(*) FROM earlier_files"), 1,
               "a file re-made to the same bytes is no earlier rendering");
    }
    store_close(st);
}

int main(void)
{
    char *dir = make_tmpdir();
    struct buf sub = BUF_INIT;
    char *where;

    test_ids_and_codes();
    test_decide_rule();
    where = test_location(dir);
    test_put_get(where);
    free(where);
    buf_addf(&sub, "%s/stale", dir);
    where = test_location(sub.data);
    test_stale(where);
    free(where);
    buf_reset(&sub);
    buf_addf(&sub, "%s/race", dir);
    where = test_location(sub.data);
    test_race(where);
    free(where);
    buf_reset(&sub);
    buf_addf(&sub, "%s/files", dir);
    where = test_location(sub.data);
    test_find_file(where);
    free(where);
    buf_reset(&sub);
    if (!test_on_pg()) { /* the folder's own: upgrades of its index, files, locations */
        buf_addf(&sub, "%s/upgrade", dir);
        test_stale_upgrade(sub.data);
        buf_reset(&sub);
        test_errors(dir);
        test_locations(dir);
    }

    rm_rf(dir);
    free(dir);
    buf_free(&sub);
    return tap_done();
}
