/* Unit tests of the store: identity and codes, puts and revisions, late
 * (stale) deliveries and the upgrade that keeps send_at, lookups,
 * concurrency, batches, crash recovery (also after kill -9), damaged and
 * locked indexes, rerender and revocation, in temporary store folders, and
 * locations that are not folders. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "buf.h"
#include "store.h"
#include "tap.h"
#include "banned.h"

#define CODE_DRAWS 100000

/* --- helpers ------------------------------------------------------------ */

static char *make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    struct buf b = BUF_INIT;
    buf_addf(&b, "%s/certifica-store-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(b.data)) {
        perror("mkdtemp");
        exit(1);
    }
    return buf_detach(&b, NULL);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static long tmp_files, all_files;
static int count_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    if (flag == FTW_F) {
        all_files++;
        if (strstr(path + ftw->base, ".tmp"))
            tmp_files++;
    }
    return 0;
}

/* Files under dir/pdf: all of them, and temporary ones. */
static void count_pdf_files(const char *dir, long *all, long *tmp)
{
    struct buf p = BUF_INIT;
    buf_addf(&p, "%s/pdf", dir);
    tmp_files = all_files = 0;
    nftw(p.data, count_one, 16, FTW_PHYS);
    *all = all_files;
    *tmp = tmp_files;
    buf_free(&p);
}

static int file_sha256(const char *path, char hex[65], long *size)
{
    struct buf b = BUF_INIT;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (buf_read_file(&b, path) < 0)
        return -1;
    EVP_Digest(b.data ? b.data : "", b.len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    *size = (long)b.len;
    buf_free(&b);
    return 0;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Every revision of id has a file matching its recorded hash and size. */
static int cert_files_ok(struct store *st, const char *id)
{
    struct store_cert c;
    char err[256], hex[65];
    long size;
    int good = 1;

    if (store_get(st, id, &c, err, sizeof(err)) != 0)
        return 0;
    for (size_t i = 0; i < c.n_revs; i++) {
        if (file_sha256(c.revs[i].pdf_path, hex, &size) < 0 || strcmp(hex, c.revs[i].sha256) != 0 ||
            size != c.revs[i].size)
            good = 0;
    }
    store_cert_free(&c);
    return good;
}

struct render_ctx {
    int calls;
    int fail;
    int variant; /* changes the bytes, as another template would */
    pthread_mutex_t mu;
};

static int fake_render(void *vctx, const struct store_ticket *t, struct buf *pdf, char *err,
                       size_t errlen)
{
    struct render_ctx *ctx = vctx;
    pthread_mutex_lock(&ctx->mu);
    ctx->calls++;
    pthread_mutex_unlock(&ctx->mu);
    if (ctx->fail) {
        snprintf(err, errlen, "template 'x' is broken");
        return -1;
    }
    buf_addf(pdf, "%%PDF-fake %s %d %s\n", t->id, t->revision, t->code);
    return 0;
}

static int fake_rerender(void *vctx, const struct store_ticket *t, const char *raw, size_t raw_len,
                         struct buf *pdf, char *err, size_t errlen)
{
    struct render_ctx *ctx = vctx;
    pthread_mutex_lock(&ctx->mu);
    ctx->calls++;
    pthread_mutex_unlock(&ctx->mu);
    if (ctx->fail || raw_len == 0 || raw[0] != '{') {
        snprintf(err, errlen, "cannot re-make '%s': bad raw event", t->id);
        return -1;
    }
    buf_addf(pdf, "%%PDF-fake %s %d %s variant %d raw %zu\n", t->id, t->revision, t->code,
             ctx->variant, raw_len);
    return 0;
}

#define RENDER_CTX_INIT                                                                            \
    {                                                                                              \
        0, 0, 0, PTHREAD_MUTEX_INITIALIZER                                                         \
    }

/* An event and the fields the store keeps of it. */
struct ev {
    char name[64], canonical[256], raw[384], certified[24], sent[24];
    struct store_fields f;
};

static void ev_init(struct ev *e, int64_t inst, int64_t user, int64_t course, const char *name,
                    const char *certified_at)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    snprintf(e->certified, sizeof(e->certified), "%s", certified_at);
    snprintf(e->canonical, sizeof(e->canonical),
             "{\"course\":{\"id\":%lld},\"institution\":{\"id\":%lld},"
             "\"user\":{\"id\":%lld,\"name\":\"%s\"}}",
             (long long)course, (long long)inst, (long long)user, name);
    snprintf(e->raw, sizeof(e->raw),
             "{\"event\":{\"send_at\":\"2024-01-01 00:00:00\"},\"data\":%s}", e->canonical);
    e->f.institution_id = inst;
    e->f.user_id = user;
    e->f.course_id = course;
    e->f.school_id = 7;
    e->f.user_name = e->name;
    e->f.user_email = "maria@example.com";
    e->f.user_cpf = "52998224725";
    e->f.course_name = "Gestão de Projetos";
    e->f.school_name = "Escola";
    e->f.workload = "40 horas";
    e->f.type = "achievement";
    e->f.certified_at = e->certified;
    e->f.concluded_at = "2024-03-10 10:00:00";
    e->f.enrolled_at = NULL;
    e->f.has_approval_rate = 1;
    e->f.approval_rate = 87.5;
    e->f.canonical = e->canonical;
    e->f.raw = e->raw;
    e->f.raw_len = strlen(e->raw);
}

/* The same event sent at another time: send_at in the fields and in the raw
 * body (NULL: neither, as an archive without send_at would have it). */
static void ev_sent(struct ev *e, const char *send_at)
{
    e->f.send_at = NULL;
    snprintf(e->raw, sizeof(e->raw), "{\"event\":{},\"data\":%s}", e->canonical);
    if (send_at) {
        snprintf(e->sent, sizeof(e->sent), "%s", send_at);
        e->f.send_at = e->sent;
        snprintf(e->raw, sizeof(e->raw), "{\"event\":{\"send_at\":\"%s\"},\"data\":%s}", send_at,
                 e->canonical);
    }
    e->f.raw_len = strlen(e->raw);
}

static int valid_code(const char *c)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (strlen(c) != 17)
        return 0;
    for (int i = 0; i < 17; i++) {
        if (i == 5 || i == 11) {
            if (c[i] != '-')
                return 0;
        } else if (!c[i] || !strchr(alphabet, c[i])) {
            return 0;
        }
    }
    return 1;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* --- identity and codes --------------------------------------------------- */

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
        buf_addf(&want, "%s/pdf/1/2024/03/%s-r1.pdf", dir, id);
        is_str(c.revs[0].pdf_path, want.data, "pdf at pdf/<inst>/<yyyy>/<mm>/<id>-r1.pdf");
        buf_free(&want);
        buf_read_file(&pdf, c.revs[0].pdf_path);
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
        ok(file_exists(c.revs[0].pdf_path), "revision 1's file is still there");
        ok(strstr(c.revs[1].pdf_path, "/pdf/1/2024/04/") != NULL,
           "revision 2 files under its own certified_at month");
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
    is_int(store_rerender(st, "2020-06-10", fake_rerender, &rc, &count, err, sizeof(err)), 0,
           "rerender since 2020-06-10 (%s)", err);
    is_int(count, 2, "re-made 2 of 3 certificates");
    is_int(rc.calls, 2, "calling the function once each");
    is_int(store_rerender(st, "2020-13-01", fake_rerender, &rc, &count, err, sizeof(err)), -1,
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
    rc.fail = 1;
    is_int(store_rerender(st, NULL, fake_rerender, &rc, &count, err, sizeof(err)), -1,
           "a failing renderer stops rerender");
    ok(strstr(err, "bad raw event") != NULL, "with its message: %s", err);
    ok(cert_files_ok(st, ids[0]) && cert_files_ok(st, ids[1]) && cert_files_ok(st, ids[2]),
       "and leaves every file in place");
    store_close(st);
}

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

/* Locations that are URIs name other kinds of store, none built in yet: a
 * clear error that never repeats the URI, and no folder made for it. */
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
        ok(!st && strstr(err, "postgresql stores are not built in") && !strstr(err, "s3cret"),
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

/* Take dir's index back to schema 2 (before send_at, staff scopes and
 * institutions' tokens), as an older certifica left it. */
static int downgrade_to_v2(const char *dir)
{
    struct buf path = BUF_INIT;
    sqlite3 *db = NULL;
    int rc;

    buf_addf(&path, "%s/index.sqlite", dir);
    rc = sqlite3_open(path.data, &db) == SQLITE_OK &&
                 sqlite3_exec(db,
                              "ALTER TABLE revisions DROP COLUMN send_at;"
                              "DROP TABLE webhook_tokens;"
                              "ALTER TABLE staff DROP COLUMN institution_id;"
                              "ALTER TABLE staff DROP COLUMN school_id;"
                              "PRAGMA user_version = 2;",
                              NULL, NULL, NULL) == SQLITE_OK
             ? 0
             : -1;
    if (rc < 0)
        printf("# downgrade: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    buf_free(&path);
    return rc;
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

int main(void)
{
    char *dir = make_tmpdir();
    struct buf sub = BUF_INIT;

    test_ids_and_codes();
    test_put_get(dir);
    test_decide_rule();
    buf_addf(&sub, "%s/stale", dir);
    test_stale(sub.data);
    buf_reset(&sub);
    buf_addf(&sub, "%s/upgrade", dir);
    test_stale_upgrade(sub.data);
    buf_reset(&sub);
    test_concurrency(dir);
    test_batch(dir);
    test_batch_crash(dir);
    test_recovery(dir);
    test_errors(dir);
    test_locations(dir);
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
