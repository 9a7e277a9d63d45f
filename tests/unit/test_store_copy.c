/* The store's copy and audit operations through store.h: what cert_each,
 * copy_read and copy_put move from one store to another is the same
 * archive (fields, codes, times, revocations, search, tokens), written again
 * changes nothing, and a conflicting code is refused. The destination is a
 * temporary folder, or CERTIFICA_TEST_STORE_B when set (another backend). */
#include "store_tests.h"

struct copier {
    struct store *src, *dst;
    int certs, failures;
    char err[256];
};

/* Copy one certificate with every revision's bytes. */
static int copy_one(void *ctx, const struct store_cert *c, char *err, size_t errlen)
{
    struct copier *k = ctx;
    struct store_copy_rev *revs = calloc(c->n_revs + 1, sizeof(*revs));
    int rc = 0;
    for (size_t i = 0; i < c->n_revs && rc == 0; i++)
        rc = store_copy_read(k->src, c->id, c->revs[i].revision, &revs[i], err, errlen) ? -1 : 0;
    if (rc == 0)
        rc = store_copy_put(k->dst, c, revs, c->n_revs, err, errlen);
    for (size_t i = 0; i < c->n_revs; i++)
        store_copy_rev_free(&revs[i]);
    free(revs);
    k->certs++;
    return rc;
}

static int copy_cred(void *ctx, const struct store_cred *c, char *err, size_t errlen)
{
    return store_cred_put(((struct copier *)ctx)->dst, c, err, errlen);
}

/* The fields of two certificates agree, revision by revision. */
static int same(const struct store_cert *a, const struct store_cert *b)
{
    int good = !strcmp(a->user_name, b->user_name) && !strcmp(a->course_name, b->course_name) &&
               !strcmp(a->certified_at, b->certified_at) && a->latest == b->latest &&
               a->revoked == b->revoked && !strcmp(a->revoked_at, b->revoked_at) &&
               !strcmp(a->revoke_reason ? a->revoke_reason : "",
                       b->revoke_reason ? b->revoke_reason : "") &&
               a->approval_rate == b->approval_rate && a->n_revs == b->n_revs &&
               !strcmp(a->user_cpf ? a->user_cpf : "", b->user_cpf ? b->user_cpf : "");
    for (size_t i = 0; good && i < a->n_revs; i++)
        good = a->revs[i].revision == b->revs[i].revision &&
               !strcmp(a->revs[i].code, b->revs[i].code) &&
               !strcmp(a->revs[i].created_at, b->revs[i].created_at) &&
               !strcmp(a->revs[i].send_at, b->revs[i].send_at) &&
               !strcmp(a->revs[i].sha256, b->revs[i].sha256) &&
               a->revs[i].superseded == b->revs[i].superseded && a->revs[i].size == b->revs[i].size;
    return good;
}

static int64_t total_of(struct store *st, const char *q)
{
    struct store_query sq = {0};
    struct store_page p = {0};
    char err[256];
    int64_t n;
    sq.q = q;
    if (store_search(st, &sq, &p, err, sizeof(err)) < 0)
        return -1;
    n = p.total;
    store_page_free(&p);
    return n;
}

static int count_rec(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    (void)r;
    (void)err;
    (void)errlen;
    (*(int *)ctx)++;
    return 0;
}

static int audit_count(struct store *st, const struct audit_filter *f)
{
    char err[256];
    int n = 0;
    return store_audit_each(st, f, count_rec, &n, err, sizeof(err)) < 0 ? -1 : n;
}

int main(void)
{
    struct render_ctx rc = RENDER_CTX_INIT;
    struct copier k = {0};
    struct store_stats sa, sb;
    struct store_cert ca, cb;
    struct ev e1, e2;
    struct store_result r;
    struct store_copy_rev rev;
    struct store_scope scope = {0, 0};
    char *dir = make_tmpdir(), err[256] = "", tok_x[64], tok_y[64], tok_w[64], name[64];
    char id1[STORE_ID_MAX], id2[STORE_ID_MAX];
    const char *env = getenv("CERTIFICA_TEST_STORE_B");
    struct buf a = BUF_INIT, b = BUF_INIT;
    int64_t inst = 0;

    buf_addf(&a, "%s/a", dir);
    if (env && *env)
        buf_adds(&b, env);
    else
        buf_addf(&b, "%s/b", dir);
    k.src = store_open(a.data, fake_rerender, &rc, err, sizeof(err));
    ok(k.src != NULL, "open the source (%s)", err);
    k.dst = store_open(b.data, fake_rerender, &rc, err, sizeof(err));
    ok(k.dst != NULL, "open the destination (%s)", err);
    if (!k.src || !k.dst)
        return tap_done();

    /* The source: two revisions of one certificate, a revoked one, accounts. */
    ev_init(&e1, 1, 2, 3, "Maria Silva", "2024-03-15 12:00:00");
    ev_sent(&e1, "2024-03-15 12:00:01");
    store_put(k.src, &e1.f, fake_render, &rc, &r, err, sizeof(err));
    snprintf(id1, sizeof(id1), "%s", r.ticket.id);
    ev_init(&e1, 1, 2, 3, "Maria da Silva", "2024-03-15 12:00:00");
    ev_sent(&e1, "2024-03-16 08:00:00");
    is_int(store_put(k.src, &e1.f, fake_render, &rc, &r, err, sizeof(err)), 0, "a revision (%s)",
           err);
    is_int(r.ticket.revision, 2, "is revision 2");
    ev_init(&e2, 1, 9, 3, "Zoë Müller", "2024-05-01 09:00:00");
    store_put(k.src, &e2.f, fake_render, &rc, &r, err, sizeof(err));
    snprintf(id2, sizeof(id2), "%s", r.ticket.id);
    store_revoke(k.src, id2, "emitido por engano", err, sizeof(err));
    store_staff_add(k.src, "xavier", tok_x, err, sizeof(err));
    scope.institution_id = 1;
    store_staff_add_in(k.src, "yara", &scope, tok_y, err, sizeof(err));
    store_staff_revoke(k.src, "yara", err, sizeof(err));
    store_webhook_token_add(k.src, 1, NULL, tok_w, err, sizeof(err));

    /* Copy, twice: the second changes nothing. */
    for (int round = 1; round <= 2; round++) {
        k.certs = 0;
        is_int(store_cert_each(k.src, copy_one, &k, err, sizeof(err)), 0,
               "round %d: every certificate copied (%s)", round, err);
        is_int(k.certs, 2, "round %d: two certificates, by id", round);
        is_int(store_cred_each(k.src, copy_cred, &k, err, sizeof(err)), 0,
               "round %d: accounts and tokens copied (%s)", round, err);
        store_stats(k.src, &sa, err, sizeof(err));
        store_stats(k.dst, &sb, err, sizeof(err));
        ok(sa.certificates == sb.certificates && sa.revisions == sb.revisions &&
               sa.revoked == sb.revoked && sb.revisions == 3,
           "round %d: the same counts (%lld certificates, %lld revisions, %lld revoked)", round,
           (long long)sb.certificates, (long long)sb.revisions, (long long)sb.revoked);
    }
    for (int i = 0; i < 2; i++) {
        const char *id = i ? id2 : id1;
        store_get(k.src, id, &ca, err, sizeof(err));
        is_int(store_get(k.dst, id, &cb, err, sizeof(err)), 0, "%s is in the copy", id);
        ok(same(&ca, &cb), "%s: the same fields, codes, times and hashes", id);
        ok(cert_files_ok(k.dst, id), "%s: its PDFs match their hashes", id);
        store_cert_free(&ca);
        store_cert_free(&cb);
    }
    is_int(store_get_by_code(k.dst, r.ticket.code, &cb, NULL, err, sizeof(err)), 0,
           "found by its code in the copy");
    store_cert_free(&cb);
    is_int(total_of(k.dst, "da silva"), 1, "search finds the latest name in the copy");
    is_int(total_of(k.dst, "maria"), total_of(k.src, "maria"), "the same matches as the source");
    is_int(total_of(k.dst, "zoe muller"), 1, "accents folded as in the source");
    is_int(store_staff_check(k.dst, tok_x, name, err, sizeof(err)), 0,
           "the source's staff token signs in on the copy");
    is_str(name, "xavier", "as its account");
    is_int(store_staff_check(k.dst, tok_y, name, err, sizeof(err)), 1,
           "a revoked account stays revoked");
    is_int(store_webhook_token_check(k.dst, tok_w, &inst, err, sizeof(err)), 0,
           "the institution's webhook token works on the copy");
    is_int(inst, 1, "for its institution");

    /* A revision the destination has with another code is refused. */
    store_get(k.src, id1, &ca, err, sizeof(err));
    is_int(store_copy_read(k.src, id1, 1, &rev, err, sizeof(err)), 0, "read r1 with its bytes");
    buf_addc(&rev.raw, '\0');
    ok(rev.pdf.len > 0 && strstr(rev.raw.data, "\"Maria Silva\"") &&
           !strcmp(rev.send_at, "2024-03-15 12:00:01") && rev.superseded == 1,
       "r1's PDF, raw event, send_at and superseded flag");
    rev.code[0] = rev.code[0] == 'A' ? 'B' : 'A';
    is_int(store_copy_put(k.dst, &ca, &rev, 1, err, sizeof(err)), -1, "another code: refused");
    ok(strstr(err, "another code") != NULL, "saying so: %s", err);
    store_copy_rev_free(&rev);
    store_cert_free(&ca);
    is_int(store_copy_read(k.src, id1, 7, &rev, err, sizeof(err)), 1, "no revision 7");

    /* Audit records: appended, read back in order, filtered. */
    {
        struct audit_record recs[] = {
            {"2024-06-01T10:00:00.000Z", 1, 201, "{\"time\":\"2024-06-01T10:00:00.000Z\","
                                                 "\"institution_id\":1,\"status\":201}",
             0},
            {"2024-06-01T11:00:00.000Z", 0, 401, "{\"time\":\"2024-06-01T11:00:00.000Z\","
                                                 "\"institution_id\":null,\"status\":401}",
             0},
            {"2024-06-02T09:00:00.000Z", 2, 422, "{\"time\":\"2024-06-02T09:00:00.000Z\","
                                                 "\"institution_id\":2,\"status\":422}",
             0},
        };
        struct audit_filter f = {"", 0, 400, 499};
        for (size_t i = 0; i < 3; i++) {
            recs[i].len = strlen(recs[i].line);
            is_int(store_audit_append(k.dst, &recs[i], err, sizeof(err)), 0,
                   "audit record %zu kept (%s)", i + 1, err);
        }
        is_int(audit_count(k.dst, NULL), 3, "three records read back");
        is_int(audit_count(k.dst, &f), 2, "4xx: two");
        f = (struct audit_filter){"2024-06-02", 0, 0, 0};
        is_int(audit_count(k.dst, &f), 1, "since the second day: one");
        f = (struct audit_filter){"", 1, 0, 0};
        is_int(audit_count(k.dst, &f), 1, "institution 1: one");
    }

    store_close(k.src);
    store_close(k.dst);
    rm_rf(dir);
    free(dir);
    buf_free(&a);
    buf_free(&b);
    return tap_done();
}
