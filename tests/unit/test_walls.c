/* Unit tests of the walls between institutions in the store: scoped staff
 * accounts (their scope kept, returned on sign-in, and applied to lookups and
 * searches, with and without words), the totals by school as certificates
 * move, and institutions' webhook tokens (add, check, list, revoke), in a
 * temporary store folder. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend_tests.h"
#include "buf.h"
#include "store.h"
#include "tap.h"
#include "banned.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int render(void *ctx, const struct store_ticket *t, struct buf *pdf, char *err,
                  size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    buf_addf(pdf, "%%PDF-fake %s\n", t->id);
    return 0;
}

/* A certificate of user in institution inst, school school; its id in id. */
static int add_cert(struct store *st, int64_t inst, int64_t school, int64_t user, const char *name,
                    char id[STORE_ID_MAX])
{
    char canon[128], err[256] = "";
    struct store_result r;
    struct store_fields f = {
        .institution_id = inst,
        .user_id = user,
        .course_id = 10,
        .school_id = school,
        .user_name = name,
        .user_email = "x@example.com",
        .course_name = "Curso",
        .school_name = "Escola",
        .type = "participation",
        .certified_at = "2024-05-01 10:00:00",
        .concluded_at = "2024-05-01 10:00:00",
    };
    snprintf(canon, sizeof(canon), "%lld/%lld/%lld", (long long)inst, (long long)school,
             (long long)user);
    f.canonical = canon;
    f.raw = canon;
    f.raw_len = strlen(canon);
    if (store_put(st, &f, render, NULL, &r, err, sizeof(err)) < 0) {
        printf("# put: %s\n", err);
        return -1;
    }
    snprintf(id, STORE_ID_MAX, "%s", r.ticket.id);
    return 0;
}

static int found_in(struct store *st, const struct store_scope *sc, const char *id)
{
    struct store_cert c;
    char err[256];
    int rc = store_get_in(st, sc, id, &c, err, sizeof(err));
    if (rc == 0)
        store_cert_free(&c);
    return rc;
}

static int64_t total_in(struct store *st, const struct store_scope *sc, const char *q,
                        int64_t institution)
{
    struct store_query sq = {.q = q, .institution_id = institution, .scope = *sc};
    struct store_page page;
    char err[256] = "";
    int64_t total;
    if (store_search(st, &sq, &page, err, sizeof(err)) < 0) {
        printf("# search: %s\n", err);
        return -1;
    }
    total = page.total;
    for (size_t i = 0; i < page.n_hits; i++)
        if (sc->institution_id && page.hits[i].institution_id != sc->institution_id)
            total = -2; /* a hit from behind the wall */
    store_page_free(&page);
    return total;
}

static void test_scope(struct store *st)
{
    const struct store_scope all = {0, 0}, a = {1, 0}, a2 = {1, 2}, b = {2, 0};
    char a1[STORE_ID_MAX], a2id[STORE_ID_MAX], b1[STORE_ID_MAX], tok[64], name[64], err[256];
    struct store_scope got;

    if (add_cert(st, 1, 1, 100, "Ana Norte", a1) < 0 ||
        add_cert(st, 1, 2, 101, "Ana Sul", a2id) < 0 ||
        add_cert(st, 2, 1, 200, "Ana Outra", b1) < 0)
        return;
    is_int(found_in(st, NULL, b1), 0, "no scope: every certificate");
    is_int(found_in(st, &all, b1), 0, "a zero scope: every certificate");
    is_int(found_in(st, &a, a1), 0, "institution 1 sees its own");
    is_int(found_in(st, &a, b1), 1, "institution 1: institution 2's is not found");
    is_int(found_in(st, &b, a1), 1, "institution 2: institution 1's is not found");
    is_int(found_in(st, &a2, a2id), 0, "school 2 sees its own");
    is_int(found_in(st, &a2, a1), 1, "school 2: school 1's is not found");
    is_int(found_in(st, &a, "aaaaaaaaaaaaaaaa"), 1, "an unknown id: not found either");

    is_int(total_in(st, &all, NULL, 0), 3, "search, no scope: 3");
    is_int(total_in(st, &a, NULL, 0), 2, "search in institution 1: 2, all of it");
    is_int(total_in(st, &a, "ana", 0), 2, "with words: the same 2");
    is_int(total_in(st, &a, NULL, 2), 0, "asking for institution 2 from inside 1: nothing");
    is_int(total_in(st, &a, "outra", 0), 0, "words of institution 2's: nothing");
    is_int(total_in(st, &a2, NULL, 0), 1, "school 2: 1");
    is_int(total_in(st, &a2, "ana", 0), 1, "school 2 with words: 1");
    is_int(total_in(st, &a2, "norte", 0), 0, "school 1's by words from school 2: nothing");

    is_int(store_staff_add_in(st, "sul", &a2, tok, err, sizeof(err)), 0, "scoped account added");
    is_int(store_staff_check_in(st, tok, name, &got, err, sizeof(err)), 0, "its token signs in");
    ok(got.institution_id == 1 && got.school_id == 2 && !strcmp(name, "sul"),
       "with its scope: institution %lld school %lld", (long long)got.institution_id,
       (long long)got.school_id);
    is_int(store_staff_add_in(st, "bad", &(struct store_scope){0, 3}, tok, err, sizeof(err)), -1,
           "a school without its institution is refused");
    is_int(store_staff_add(st, "admin", tok, err, sizeof(err)), 0, "unscoped account");
    is_int(store_staff_check_in(st, tok, name, &got, err, sizeof(err)), 0, "signs in");
    ok(got.institution_id == 0 && got.school_id == 0, "with no scope");
}

/* The totals by school follow a certificate that moves to another school,
 * and stay right over many certificates (on PostgreSQL listing_counts gets a
 * row for each, and a search folds them: the totals before and after the
 * fold are the same). After test_scope's three. */
static void test_moves(struct store *st, const char *where)
{
    const struct store_scope all = {0, 0}, s1 = {1, 1}, s3 = {1, 3}, i3 = {3, 0}, i3s2 = {3, 2};
    char id[STORE_ID_MAX], id2[STORE_ID_MAX];
    int bad = 0;

    if (add_cert(st, 1, 1, 102, "Bia Muda", id) < 0)
        return;
    is_int(total_in(st, &s1, NULL, 0), 2, "school 1 of institution 1: 2");
    if (add_cert(st, 1, 3, 102, "Bia Muda", id2) < 0)
        return;
    is_str(id2, id, "the same certificate, now of school 3");
    is_int(total_in(st, &s1, NULL, 0), 1, "school 1 has one fewer");
    is_int(total_in(st, &s3, NULL, 0), 1, "school 3 has it");
    is_int(total_in(st, &s3, "bia", 0), 1, "found by its words in school 3");
    is_int(total_in(st, &s1, "bia", 0), 0, "and no longer in school 1");
    is_int(total_in(st, &all, NULL, 0), 4, "four in all, as before the move");
    for (int i = 0; i < 300; i++) {
        char name[32], unused[STORE_ID_MAX];
        snprintf(name, sizeof(name), "Lote %03d", i);
        bad |= add_cert(st, 3, 1 + i % 3, 1000 + i, name, unused);
    }
    ok(!bad, "300 more certificates in institution 3, three schools");
    /* the first search after them sees 100 of them: the table is long all
     * the same, and is folded */
    is_int(total_in(st, &i3s2, NULL, 0), 100, "a school's own search: its 100");
    if (test_on_pg()) {
        char *rows = test_pg_value(where, "SELECT count(*) FROM listing_counts");
        ok(atoi(rows) <= 7, "that search folded the counts to a row per school (%s rows)", rows);
        free(rows);
    }
    for (int round = 1; round <= 2; round++) {
        is_int(total_in(st, &all, NULL, 0), 304, "search %d: 304 in all", round);
        is_int(total_in(st, &i3, NULL, 0), 300, "search %d: 300 in institution 3", round);
        is_int(total_in(st, &i3s2, NULL, 0), 100, "search %d: 100 in its school 2", round);
        is_int(total_in(st, &all, NULL, 3), 300, "search %d: 300 asked by institution", round);
        is_int(total_in(st, &i3s2, "lote", 0), 100, "search %d: 100 with a word", round);
    }
    if (test_on_pg()) {
        char *rows = test_pg_value(where, "SELECT count(*) FROM listing_counts");
        ok(atoi(rows) <= 7, "the counts folded to a row per school (%s rows)", rows);
        free(rows);
    }
}

static void test_webhook_tokens(struct store *st)
{
    char t1[64], t2[64], t3[64], err[256];
    struct store_webhook_token *v = NULL;
    int64_t inst = -1;
    size_t n = 0;

    is_int(store_webhook_token_add(st, 1, NULL, t1, err, sizeof(err)), 0, "token for 1");
    is_int(strlen(t1), 43, "43 characters");
    is_int(store_webhook_token_add(st, 2, "norte", t2, err, sizeof(err)), 0, "token for 2");
    is_int(store_webhook_token_add(st, 3, "norte", t3, err, sizeof(err)), -1, "label taken");
    ok(strstr(err, "'norte' already exists"), "says so: %s", err);
    is_int(store_webhook_token_add(st, 0, "zero", t3, err, sizeof(err)), -1, "institution 0: no");
    is_int(store_webhook_token_check(st, t1, &inst, err, sizeof(err)), 0, "token 1 known");
    is_int(inst, 1, "for institution 1");
    is_int(store_webhook_token_check(st, t2, &inst, err, sizeof(err)), 0, "token 2 known");
    is_int(inst, 2, "for institution 2");
    t1[5] ^= 1;
    is_int(store_webhook_token_check(st, t1, &inst, err, sizeof(err)), 1, "one bit off: unknown");
    is_int(store_webhook_token_check(st, "", &inst, err, sizeof(err)), 1, "empty: unknown");
    is_int(store_webhook_token_revoke(st, "norte", err, sizeof(err)), 0, "revoke norte");
    is_int(store_webhook_token_revoke(st, "norte", err, sizeof(err)), 1, "again: not active");
    is_int(store_webhook_token_check(st, t2, &inst, err, sizeof(err)), 1, "revoked: unknown");
    is_int(store_webhook_token_add(st, 3, "norte", t3, err, sizeof(err)), 0, "label free again");
    is_int(store_webhook_token_list(st, &v, &n, err, sizeof(err)), 0, "list");
    is_str(n ? v[0].label : "", "institution-1", "the default label");
    ok(n == 3 && !strcmp(v[0].label, "institution-1") && v[0].institution_id == 1 &&
           !v[0].revoked_at[0] && !strcmp(v[1].label, "norte") && v[1].revoked_at[0] &&
           v[2].institution_id == 3 && !v[2].revoked_at[0],
       "three, by label, the revoked one marked (%zu)", n);
    free(v);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    struct buf dir = BUF_INIT;
    struct store *st;
    char err[512], *where;

    buf_addf(&dir, "%s/certifica-walls-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir.data)) {
        perror("mkdtemp");
        return 1;
    }
    buf_adds(&dir, "/store");
    where = test_location(dir.data);
    st = store_open(where, NULL, NULL, err, sizeof(err));
    ok(st != NULL, "store opened (%s)", st ? "" : err);
    if (st) {
        test_scope(st);
        test_moves(st, where);
        test_webhook_tokens(st);
        store_close(st);
    }
    free(where);
    dir.data[dir.len - 6] = '\0';
    nftw(dir.data, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    buf_free(&dir);
    return tap_done();
}
