/* Reading events from files, JSON Lines, folders and standard input, each
 * file or line with a bound. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <unictype.h>

#include "buf.h"
#include "config.h"
#include "evsrc.h"
#include "utf8.h"
#include "banned.h"

#define STDIN_NAME "<stdin>"

int evsrc_is_lines(const char *path)
{
    size_t n = strlen(path);
    return (n > 6 && !strcmp(path + n - 6, ".jsonl")) ||
           (n > 7 && !strcmp(path + n - 7, ".ndjson"));
}

int evsrc_max(size_t *max, char *err, size_t errlen)
{
    struct config c;
    const char *env = getenv("CERTIFICA_MAX_BODY");
    int rc = 0;

    config_init(&c);
    if (env && *env)
        rc = config_set(&c, "max_body", env, CONFIG_ENV, "environment CERTIFICA_MAX_BODY", err,
                        errlen);
    *max = c.max_body;
    config_free(&c);
    return rc;
}

void evsrc_add_name(struct buf *b, const char *name)
{
    size_t n = strlen(name), i = 0, k;
    uint32_t cp;

    while (i < n) {
        k = utf8_decode(name + i, n - i, &cp);
        if (!k) {
            buf_addf(b, "\\x%02X", (unsigned char)name[i++]);
            continue;
        }
        if (cp == '\\')
            buf_adds(b, "\\\\");
        else if (cp == '\n')
            buf_adds(b, "\\n");
        else if (cp == '\t')
            buf_adds(b, "\\t");
        else if (cp == '\r')
            buf_adds(b, "\\r");
        else if (cp < 0x20 || cp == 0x7F)
            buf_addf(b, "\\x%02X", (unsigned)cp);
        else if ((cp >= 0x80 && cp <= 0x9F) || uc_is_property_bidi_control(cp) ||
                 uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Zl | UC_CATEGORY_MASK_Zp))
            buf_addf(b, "\\u%04X", (unsigned)cp);
        else
            buf_add(b, name + i, k);
        i += k;
    }
}

void evsrc_where(const struct evsrc_item *it, char *out, size_t n)
{
    struct buf b = BUF_INIT;

    evsrc_add_name(&b, it->file);
    if (it->line)
        buf_addf(&b, ":%zu", it->line);
    snprintf(out, n, "%s", b.data ? b.data : "");
    buf_free(&b);
}

void evsrc_print_diags(FILE *f, const struct evsrc_item *it, const struct event_diags *d)
{
    char where[512];
    evsrc_where(it, where, sizeof(where));
    for (size_t i = 0; i < d->n_errors; i++) {
        if (d->errors[i].path[0])
            fprintf(f, "%s: %s: %s\n", where, d->errors[i].path, d->errors[i].message);
        else
            fprintf(f, "%s: %s\n", where, d->errors[i].message);
    }
    for (size_t i = 0; i < d->n_warnings; i++)
        fprintf(f, "%s: warning: %s: %s\n", where, d->warnings[i].path, d->warnings[i].message);
}

int evsrc_refuse(FILE *f, const struct evsrc_item *it)
{
    char where[512];

    if (!it->too_large)
        return 0;
    evsrc_where(it, where, sizeof(where));
    fprintf(f, "%s: %s larger than %zu bytes, the event size limit (CERTIFICA_MAX_BODY)\n", where,
            it->line ? "line" : "event", it->too_large);
    return 1;
}

/* "cannot open 'x': why" (or "'x' is a folder" without what) into err, the name escaped. */
static void io_error(char *err, size_t errlen, const char *what, const char *path, int e)
{
    struct buf b = BUF_INIT;

    evsrc_add_name(&b, strcmp(path, "-") ? path : STDIN_NAME);
    if (what)
        snprintf(err, errlen, "%s '%s': %s", what, b.data ? b.data : "", strerror(e));
    else
        snprintf(err, errlen, "'%s' is a folder", b.data ? b.data : "");
    buf_free(&b);
}

/* A file read through a buffer of max + 3 bytes: a line of max bytes, "\r\n" and a NUL. */
struct reader {
    FILE *f;
    char *buf;
    size_t max, size, start, end;
    int eof, err;
};

static void reader_init(struct reader *r, FILE *f, size_t max)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->max = max;
    r->size = max + 3;
    r->buf = xmalloc(r->size);
}

/* Read more after the buffered bytes (moved to the front); 0 at the end of the file. */
static size_t reader_fill(struct reader *r)
{
    size_t n;

    if (r->eof)
        return 0;
    if (r->start) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    n = fread(r->buf + r->end, 1, r->size - 1 - r->end, r->f);
    r->end += n;
    if (n == 0) {
        r->eof = 1;
        r->err = ferror(r->f) ? errno : 0;
    }
    return n;
}

/* Drop the rest of a line too long to keep, reading until its newline. */
static void reader_skip_line(struct reader *r)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl) {
            r->start = (size_t)(nl - r->buf) + 1;
            return;
        }
        r->start = r->end = 0;
        if (!reader_fill(r))
            return;
    }
}

/* The next line, without its "\n" or "\r\n": 1 and *line (NUL-terminated), *len; 2 when
 * it is longer than max (skipped); 0 at the end. */
static int reader_line(struct reader *r, char **line, size_t *len)
{
    char *nl;
    size_t n;

    for (;;) {
        nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl || (r->eof && r->start < r->end))
            break;
        if (r->eof)
            return 0;
        if (r->end - r->start > r->max + 1) {
            reader_skip_line(r);
            return 2;
        }
        reader_fill(r);
    }
    n = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
    *line = r->buf + r->start;
    r->start += n + (nl ? 1 : 0);
    if (n && (*line)[n - 1] == '\r')
        n--;
    (*line)[n] = '\0';
    *len = n;
    return n > r->max ? 2 : 1;
}

/* Hand each non-blank line over. */
static int each_line(struct reader *r, const char *file, evsrc_fn fn, void *ctx)
{
    struct evsrc_item it = {file, 0, NULL, 0, 0};
    char *line;
    size_t len;
    int got;

    while ((got = reader_line(r, &line, &len)) > 0) {
        it.line++;
        it.body = got == 1 ? line : NULL;
        it.len = got == 1 ? len : 0;
        it.too_large = got == 1 ? 0 : r->max;
        if (got == 1 && strspn(line, " \t") == len)
            continue;
        if (fn(ctx, &it) < 0)
            return 1;
    }
    return 0;
}

/* Read until the end or more than max bytes are buffered: 1 when it all fits. */
static int reader_whole(struct reader *r)
{
    while (r->end - r->start <= r->max && reader_fill(r))
        ;
    return r->eof && r->end - r->start <= r->max;
}

/* 1 when buf[0..n) is one JSON value. (cJSON's require_null_terminated fails any buffer
 * given with its length, so what follows the value is checked here.) */
static int is_json(const char *buf, size_t n)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(buf, n, &end, 0);

    cJSON_Delete(j);
    if (!j)
        return 0;
    while (end < buf + n && strchr(" \t\r\n", *end) && *end)
        end++;
    return end == buf + n;
}

/* Standard input: one event when it is one JSON value within the limit, else JSON Lines
 * when its first line is one. */
static int each_stdin(size_t max, evsrc_fn fn, void *ctx, char *err, size_t errlen)
{
    struct reader r;
    struct evsrc_item it = {STDIN_NAME, 0, NULL, 0, 0};
    int whole, rc;
    char *nl;

    reader_init(&r, stdin, max);
    whole = reader_whole(&r);
    nl = memchr(r.buf, '\n', r.end);
    if (r.err) {
        io_error(err, errlen, "cannot read", "-", r.err);
        rc = -1;
    } else if ((!whole || !is_json(r.buf, r.end)) && nl && is_json(r.buf, (size_t)(nl - r.buf))) {
        rc = each_line(&r, STDIN_NAME, fn, ctx);
        if (rc == 0 && r.err) {
            io_error(err, errlen, "cannot read", "-", r.err);
            rc = -1;
        }
    } else {
        r.buf[r.end] = '\0';
        it.body = whole ? r.buf : NULL;
        it.len = whole ? r.end : 0;
        it.too_large = whole ? 0 : max;
        rc = fn(ctx, &it) < 0 ? 1 : 0;
    }
    free(r.buf);
    return rc;
}

/* One file: a whole event, or JSON Lines by its name. */
static int each_in_file(const char *path, size_t max, evsrc_fn fn, void *ctx, char *err,
                        size_t errlen)
{
    FILE *f = fopen(path, "re");
    struct evsrc_item it = {path, 0, NULL, 0, 0};
    struct reader r;
    struct stat st;
    int rc;

    if (!f) {
        io_error(err, errlen, "cannot open", path, errno);
        return -1;
    }
    reader_init(&r, f, max);
    if (evsrc_is_lines(path)) {
        rc = each_line(&r, path, fn, ctx);
    } else {
        /* a regular file's size says it at once; a device or a pipe is read up to the limit */
        if ((fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max) ||
            !reader_whole(&r)) {
            it.too_large = max;
        } else {
            r.buf[r.end] = '\0';
            it.body = r.buf;
            it.len = r.end;
        }
        rc = r.err ? 0 : fn(ctx, &it) < 0 ? 1 : 0;
    }
    if (rc == 0 && r.err) {
        io_error(err, errlen, "cannot read", path, r.err);
        rc = -1;
    }
    free(r.buf);
    fclose(f);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int each_in_dir(const char *path, size_t max, evsrc_fn fn, void *ctx, char *err,
                       size_t errlen)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (!d) {
        io_error(err, errlen, "cannot open", path, errno);
        return -1;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        int json = len > 5 && !strcmp(de->d_name + len - 5, ".json");
        if (de->d_name[0] == '.' || (!json && !evsrc_is_lines(de->d_name)))
            continue;
        if (n == cap)
            names = xrealloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
        struct buf full = BUF_INIT;
        buf_addf(&full, "%s/%s", path, de->d_name);
        names[n++] = buf_detach(&full, NULL);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = evsrc_each(names[i], 0, max, fn, ctx, err, errlen);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int evsrc_each(const char *path, int allow_dir, size_t max, evsrc_fn fn, void *ctx, char *err,
               size_t errlen)
{
    struct stat st;

    if (!strcmp(path, "-"))
        return each_stdin(max, fn, ctx, err, errlen);
    if (stat(path, &st) < 0) {
        io_error(err, errlen, "cannot open", path, errno);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (allow_dir)
            return each_in_dir(path, max, fn, ctx, err, errlen);
        io_error(err, errlen, NULL, path, 0);
        return -1;
    }
    return each_in_file(path, max, fn, ctx, err, errlen);
}
