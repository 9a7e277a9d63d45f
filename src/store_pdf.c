/* The names of the archive's PDF files, shared by every store backend that
 * keeps its PDFs in the store folder: the one place that makes a revision's
 * path (pdf/<institution>/<yyyy>/<mm>/<id>-r<revision>[.g<generation>].pdf),
 * writes the file there durably, and reads such names back for recovery. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "banned.h"

#define PDF_DEPTH 3   /* pdf/<institution>/<yyyy>/<mm>/ */
#define NAME_TRIES 16 /* generations tried while names are taken */

static const char id_chars[] = "abcdefghijklmnopqrstuvwxyz234567";

/* The file name of a revision; generation 0 has no ".g" part. */
static void pdf_name(struct buf *out, const char *id, int revision, int gen)
{
    buf_reset(out);
    if (gen)
        buf_addf(out, "%s-r%d.g%d.pdf", id, revision, gen);
    else
        buf_addf(out, "%s-r%d.pdf", id, revision);
}

int store_pdf_place(const char *root, int64_t inst, int year, int mon, const struct store_ticket *t,
                    int *gen, const struct buf *pdf, struct store_dirset *defer,
                    struct store_fs_clock *clk, struct buf *rel, char *err, size_t errlen)
{
    struct buf dir = BUF_INIT, name = BUF_INIT;
    char tmp[80], rnd[17];
    int rc = -1, made = 0;

    if (store_random_hex(rnd, 8) < 0) {
        snprintf(err, errlen, "cannot draw random bytes for a temporary name");
        goto out;
    }
    snprintf(tmp, sizeof(tmp), ".%s-r%d.%s.tmp", t->id, t->revision, rnd);
    buf_reset(rel);
    buf_addf(rel, STORE_PDF_FOLDER "/%" PRId64 "/%04d/%02d", inst, year, mon);
    buf_addf(&dir, "%s/%s", root, rel->data);
    for (int tries = 0; tries < NAME_TRIES; tries++) {
        pdf_name(&name, t->id, t->revision, *gen);
        rc = store_fs_place(dir.data, name.data, tmp, pdf->data, pdf->len,
                            !(defer && defer->files_later), clk, err, errlen);
        if (rc < 0 && errno == ENOENT && !made) {
            made = 1;
            tries--;
            if (store_fs_mkdirs(dir.data, 0750, defer, clk, err, errlen) < 0)
                goto out;
            err[0] = '\0';
            continue;
        }
        if (rc != 1)
            break;
        /* A file left by a crash (or another process) holds that name: never
         * replace it; take the next generation. Recovery removes the stray. */
        (*gen)++;
    }
    if (rc == 1)
        snprintf(err, errlen, "cannot place '%s/%s': too many files in the way", dir.data,
                 name.data);
    if (rc != 0) {
        rc = -1;
        goto out;
    }
    buf_addf(rel, "/%s", name.data);
    if (defer) {
        store_dirset_add(defer, dir.data);
    } else if (store_fs_sync_dir(dir.data, clk, err, errlen) < 0) {
        buf_addf(&dir, "/%s", name.data);
        unlink(dir.data);
        rc = -1;
        goto out;
    }
    rc = 0;
out:
    buf_free(&dir);
    buf_free(&name);
    return rc;
}

void store_pdf_unplace(const char *root, const char *rel)
{
    struct buf p = BUF_INIT;
    buf_addf(&p, "%s/%s", root, rel);
    unlink(p.data);
    buf_free(&p);
}

/* At most 9 digits, at least one: their value, or -1. */
static int digits(const char **p)
{
    const char *s = *p;
    int n = 0, v = 0;
    while (*s >= '0' && *s <= '9' && n < 9) {
        v = v * 10 + (*s++ - '0');
        n++;
    }
    *p = s;
    return n ? v : -1;
}

/* Exactly n digits. */
static int fixed_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* A file name pdf_name makes: 0 with its id and revision, or -1. */
static int parse_name(const char *name, char id[STORE_ID_MAX], int *rev)
{
    const char *p;
    size_t n = strspn(name, id_chars);

    if (n != 16 || strncmp(name + n, "-r", 2) != 0)
        return -1;
    p = name + n + 2;
    if ((*rev = digits(&p)) <= 0)
        return -1;
    if (strncmp(p, ".g", 2) == 0) {
        p += 2;
        if (digits(&p) <= 0)
            return -1;
    }
    if (strcmp(p, ".pdf") != 0)
        return -1;
    memcpy(id, name, n);
    id[n] = '\0';
    return 0;
}

static int is_temp_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' && n > 5 && strcmp(name + n - 4, ".tmp") == 0;
}

int store_pdf_folder_of(const char *rel, int64_t *inst, int *year, int *mon)
{
    const char *p = rel;
    int64_t v = 0;
    int n = 0;

    if (strncmp(p, STORE_PDF_FOLDER "/", sizeof(STORE_PDF_FOLDER)) != 0)
        return -1;
    for (p += sizeof(STORE_PDF_FOLDER); *p >= '0' && *p <= '9' && n < 16; p++, n++)
        v = v * 10 + (*p - '0');
    if (n == 0 || v <= 0 || *p++ != '/')
        return -1;
    *year = fixed_digits(&p, 4);
    if (*year < 1 || *p++ != '/')
        return -1;
    *mon = fixed_digits(&p, 2);
    if (*mon < 1 || *mon > 12 || *p != '/')
        return -1;
    *inst = v;
    return 0;
}

struct sweep {
    const char *root;
    store_pdf_keep_fn keep;
    void *ctx;
    struct store_pdf_swept *swept;
    struct store_dirset dirs; /* folders something was removed from */
    struct buf rel, path;
};

/* One file under pdf/: keep it when the backend says so, else remove it. */
static int sweep_file(void *vctx, const char *dir, const char *name, char *err, size_t errlen)
{
    struct sweep *sw = vctx;
    char id[STORE_ID_MAX];
    int rev, temp = is_temp_name(name);

    buf_reset(&sw->path);
    buf_addf(&sw->path, "%s/%s", dir, name);
    if (!temp) {
        int keep;
        if (parse_name(name, id, &rev) < 0)
            return 0; /* not ours: leave it */
        buf_reset(&sw->rel);
        buf_addf(&sw->rel, "%s/%s", dir + strlen(sw->root) + 1, name);
        keep = sw->keep(sw->ctx, sw->rel.data, id, rev, err, errlen);
        if (keep < 0)
            return -1;
        if (keep)
            return 0;
    }
    if (unlink(sw->path.data) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove '%s': %s", sw->path.data, strerror(errno));
        return -1;
    }
    if (temp)
        sw->swept->temp_removed++;
    else
        sw->swept->orphans_removed++;
    store_dirset_add(&sw->dirs, dir);
    return 0;
}

int store_pdf_sweep(const char *root, store_pdf_keep_fn keep, void *ctx,
                    struct store_pdf_swept *swept, char *err, size_t errlen)
{
    struct sweep sw = {root, keep, ctx, swept, {NULL, 0, 0, 0}, BUF_INIT, BUF_INIT};
    struct buf top = BUF_INIT;
    int rc = -1;

    buf_addf(&top, "%s/" STORE_PDF_FOLDER, root);
    if (store_fs_walk(top.data, PDF_DEPTH, sweep_file, &sw, err, errlen) < 0 ||
        store_dirset_sync(&sw.dirs, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    store_dirset_free(&sw.dirs);
    buf_free(&sw.rel);
    buf_free(&sw.path);
    buf_free(&top);
    return rc;
}
