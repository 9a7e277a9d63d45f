/* Certificate templates, the entry points: read a template file (or text), check
 * that it is UTF-8 JSON, have the loader check every key (template_load.c) and
 * hand back the template or all its errors, each naming the file and the key.
 * Placeholder text is in template_expand.c, file lookup in template_find.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "template.h"
#include "template_int.h"
#include "utf8.h"
#include "banned.h"

/* 1-based line of offset off in s. */
static int line_of(const char *s, size_t off)
{
    int line = 1;
    size_t i;
    for (i = 0; i < off; i++)
        line += s[i] == '\n';
    return line;
}

/* Offset of the first byte that is not valid UTF-8 (or a NUL), or len. */
static size_t first_bad_byte(const char *s, size_t len)
{
    size_t off = 0, n;
    uint32_t cp;
    while (off < len) {
        n = utf8_decode(s + off, len - off, &cp);
        if (n == 0 || cp == 0)
            return off;
        off += n;
    }
    return len;
}

/* Copy the collected error lines into err: as many whole ones as fit, then
 * "(and N more errors)". */
static void copy_errors(const struct tpl_loader *ld, char *err, size_t errlen)
{
    const char *s = ld->errs.data, *nl;
    size_t used = 0, shown = 0, n, rest, reserve;
    char more[48];

    if (!err || !errlen)
        return;
    err[0] = '\0';
    for (; s && *s; s = nl + 1, shown++) {
        nl = strchr(s, '\n');
        n = (size_t)(nl - s);
        rest = ld->n_errs - shown - 1;
        reserve = rest ? (size_t)snprintf(more, sizeof(more), "\n(and %zu more error%s)", rest,
                                          rest == 1 ? "" : "s")
                       : 0;
        if (used + (shown ? 1 : 0) + n + reserve >= errlen)
            break;
        if (shown)
            err[used++] = '\n';
        memcpy(err + used, s, n);
        used += n;
        err[used] = '\0';
    }
    if (shown == ld->n_errs)
        return;
    if (shown == 0) {
        snprintf(err, errlen, "%.*s", (int)(strchr(ld->errs.data, '\n') - ld->errs.data),
                 ld->errs.data);
        return;
    }
    rest = ld->n_errs - shown;
    snprintf(err + used, errlen - used, "\n(and %zu more error%s)", rest, rest == 1 ? "" : "s");
}

/* Parse and check the template text data[0..len), which is followed by a NUL byte;
 * path names it in messages and gives the folder fonts and images are looked up in. */
static struct template *load_text(const char *data, size_t len, const char *path,
                                  const char *fonts_dir, char *err, size_t errlen)
{
    struct tpl_loader ld = {.file = path, .fonts_dir = fonts_dir, .errs = BUF_INIT};
    cJSON *root = NULL;
    const char *end = NULL, *slash;
    size_t bad;
    int ok = 0;

    bad = first_bad_byte(data, len);
    if (bad < len) {
        snprintf(err, errlen, "%s: not valid UTF-8 near line %d", path, line_of(data, bad));
        goto fail;
    }
    root = cJSON_ParseWithLengthOpts(data, len + 1, &end, 1);
    if (!root) {
        bad = end && end >= data && end <= data + len ? (size_t)(end - data) : len;
        snprintf(err, errlen, "%s: not valid JSON near line %d", path, line_of(data, bad));
        goto fail;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "%s: must be a JSON object", path);
        goto fail;
    }
    slash = strrchr(path, '/');
    ld.dir = xstrndup(path, slash ? (size_t)(slash - path) + 1 : 0);
    ld.t = xcalloc(1, sizeof(*ld.t));
    ld.t->path = xstrdup(path);
    tpl_load_root(&ld, root);
    if (ld.n_errs) {
        copy_errors(&ld, err, errlen);
        goto fail;
    }
    ok = 1;
fail:
    if (!ok) {
        template_free(ld.t);
        ld.t = NULL;
    }
    cJSON_Delete(root);
    buf_free(&ld.errs);
    free(ld.dir);
    return ld.t;
}

struct template *template_load(const char *path, const char *fonts_dir, char *err, size_t errlen)
{
    struct buf data = BUF_INIT;
    struct template *t = NULL;

    if (err && errlen)
        err[0] = '\0';
    if (buf_read_file(&data, path) < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    buf_add(&data, "", 0);
    t = load_text(data.data, data.len, path, fonts_dir, err, errlen);
out:
    buf_free(&data);
    return t;
}

struct template *template_load_mem(const char *buf, size_t len, const char *name,
                                   const char *fonts_dir, char *err, size_t errlen)
{
    struct buf data = BUF_INIT;
    struct template *t;

    if (err && errlen)
        err[0] = '\0';
    buf_add(&data, buf, len);
    t = load_text(data.data, data.len, name, fonts_dir, err, errlen);
    buf_free(&data);
    return t;
}

void template_free(struct template *t)
{
    size_t i;
    if (!t)
        return;
    for (i = 0; i < t->n_fonts; i++) {
        free(t->fonts[i].role);
        free(t->fonts[i].path);
        for (size_t k = 0; k < t->fonts[i].n_fallback; k++) {
            free(t->fonts[i].fallback[k].chain);
            free(t->fonts[i].fallback[k].path);
        }
        free(t->fonts[i].fallback);
    }
    for (i = 0; i < t->n_elems; i++) {
        free(t->elems[i].cond);
        free(t->elems[i].text);
        free(t->elems[i].label);
        free(t->elems[i].image_path);
    }
    free(t->fonts);
    free(t->elems);
    free(t->background_image);
    free(t->path);
    free(t);
}
