/* Helpers shared by the search unit test programs: temporary folders, a
 * fake renderer, events to put, and the names a query finds. */
#ifndef SEARCH_TESTS_H
#define SEARCH_TESTS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "buf.h"
#include "store.h"
#include "backend_tests.h"
#include "index_sql.h"
#include "tap.h"
#include "banned.h"

/* --- helpers ------------------------------------------------------------ */

__attribute__((unused)) static char *make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    struct buf b = BUF_INIT;
    buf_addf(&b, "%s/certifica-search-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(b.data)) {
        perror("mkdtemp");
        exit(1);
    }
    return buf_detach(&b, NULL);
}

__attribute__((unused)) static int rm_one(const char *path, const struct stat *sb, int flag,
                                          struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

__attribute__((unused)) static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

__attribute__((unused)) static void sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

__attribute__((unused)) static int fake_render(void *ctx, const struct store_ticket *t,
                                               struct buf *pdf, char *err, size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    buf_addf(pdf, "%%PDF-fake %s %d %s\n", t->id, t->revision, t->code);
    return 0;
}

__attribute__((unused)) static int fake_rerender(void *ctx, const struct store_ticket *t,
                                                 const char *raw, size_t raw_len, struct buf *pdf,
                                                 char expires_at[20], char *err, size_t errlen)
{
    (void)raw;
    (void)raw_len;
    (void)expires_at;
    return fake_render(ctx, t, pdf, err, errlen);
}

/* One person's certificate as the store keeps it. */
struct ev {
    char name[128], email[128], cpf[16], course[128], certified[24], canonical[512];
    struct store_fields f;
};

__attribute__((unused)) static void ev_init(struct ev *e, int64_t inst, int64_t user,
                                            int64_t course, const char *name, const char *email,
                                            const char *cpf, const char *course_name,
                                            const char *certified_at, const char *type)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    snprintf(e->email, sizeof(e->email), "%s", email);
    snprintf(e->cpf, sizeof(e->cpf), "%s", cpf ? cpf : "");
    snprintf(e->course, sizeof(e->course), "%s", course_name);
    snprintf(e->certified, sizeof(e->certified), "%s", certified_at);
    snprintf(e->canonical, sizeof(e->canonical), "{%lld,%lld,%lld,\"%s\",\"%s\",\"%s\",\"%s\"}",
             (long long)inst, (long long)user, (long long)course, name, email, course_name,
             certified_at);
    e->f = (struct store_fields){
        .institution_id = inst,
        .user_id = user,
        .course_id = course,
        .school_id = 1,
        .user_name = e->name,
        .user_email = e->email,
        .user_cpf = cpf ? e->cpf : NULL,
        .course_name = e->course,
        .school_name = "Escola de Governo",
        .workload = "40 horas",
        .type = type,
        .certified_at = e->certified,
        .concluded_at = e->certified,
        .canonical = e->canonical,
        .raw = e->canonical,
        .raw_len = strlen(e->canonical),
    };
}

__attribute__((unused)) static int put(struct store *st, struct ev *e, struct store_result *r)
{
    char err[256] = "";
    struct store_result local;
    if (store_put(st, &e->f, fake_render, NULL, r ? r : &local, err, sizeof(err)) < 0) {
        printf("# put: %s\n", err);
        return -1;
    }
    return 0;
}

/* Search with words only; the page's total (or -1 on error). */
__attribute__((unused)) static int64_t total_of(struct store *st, const char *q)
{
    struct store_query sq = {.q = q};
    struct store_page page;
    char err[256] = "";
    int64_t total;

    if (store_search(st, &sq, &page, err, sizeof(err)) < 0) {
        printf("# search '%s': %s\n", q, err);
        return -1;
    }
    total = page.total;
    store_page_free(&page);
    return total;
}

/* The names of a page's hits, joined by '|' into out. */
__attribute__((unused)) static int names_of(struct store *st, const struct store_query *q,
                                            char *out, size_t len)
{
    struct store_page page;
    struct buf b = BUF_INIT;
    char err[256] = "";

    out[0] = '\0';
    if (store_search(st, q, &page, err, sizeof(err)) < 0) {
        snprintf(out, len, "error: %s", err);
        return -1;
    }
    for (size_t i = 0; i < page.n_hits; i++)
        buf_addf(&b, "%s%s", i ? "|" : "", page.hits[i].user_name);
    snprintf(out, len, "%s", b.data ? b.data : "");
    buf_free(&b);
    store_page_free(&page);
    return 0;
}

/* --- the archive searched by most tests ------------------------------------ */

#endif
