/* Helpers shared by the store's unit test programs: temporary folders,
 * file checks, a fake renderer and event fields to put. */
#ifndef STORE_TESTS_H
#define STORE_TESTS_H

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
#include "backend_tests.h"
#include "index_sql.h"
#include "tap.h"
#include "banned.h"

#define CODE_DRAWS 100000

/* --- helpers ------------------------------------------------------------ */

static inline char *make_tmpdir(void)
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

static inline int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static long tmp_files, all_files;
static inline int count_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
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
static inline void count_pdf_files(const char *dir, long *all, long *tmp)
{
    struct buf p = BUF_INIT;
    buf_addf(&p, "%s/pdf", dir);
    tmp_files = all_files = 0;
    nftw(p.data, count_one, 16, FTW_PHYS);
    *all = all_files;
    *tmp = tmp_files;
    buf_free(&p);
}

static inline int file_sha256(const char *path, char hex[65], long *size)
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

static inline int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Every revision of id has a file matching its recorded hash and size. */
static inline int cert_files_ok(struct store *st, const char *id)
{
    struct store_cert c;
    struct buf pdf = BUF_INIT;
    char err[256], hex[65];
    int good = 1;

    if (store_get(st, id, &c, err, sizeof(err)) != 0)
        return 0;
    for (size_t i = 0; i < c.n_revs; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        buf_reset(&pdf);
        if (store_pdf(st, id, c.revs[i].revision, &pdf, err, sizeof(err)) != 0) {
            good = 0;
            continue;
        }
        EVP_Digest(pdf.data, pdf.len, md, &n, EVP_sha256(), NULL);
        for (unsigned k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", md[k]);
        if (strcmp(hex, c.revs[i].sha256) != 0 || (long)pdf.len != c.revs[i].size)
            good = 0;
    }
    buf_free(&pdf);
    store_cert_free(&c);
    return good;
}

struct render_ctx {
    int calls;
    int fail;
    int variant; /* changes the bytes, as another template would */
    pthread_mutex_t mu;
};

static inline int fake_render(void *vctx, const struct store_ticket *t, struct buf *pdf, char *err,
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

static inline int fake_rerender(void *vctx, const struct store_ticket *t, const char *raw,
                                size_t raw_len, struct buf *pdf, char expires_at[20], char *err,
                                size_t errlen)
{
    struct render_ctx *ctx = vctx;
    (void)expires_at;
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

static inline void ev_init(struct ev *e, int64_t inst, int64_t user, int64_t course,
                           const char *name, const char *certified_at)
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
static inline void ev_sent(struct ev *e, const char *send_at)
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

static inline int valid_code(const char *c)
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

static inline int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* --- identity and codes --------------------------------------------------- */

#endif
