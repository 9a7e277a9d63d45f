/* Reading events from files, JSON Lines, folders and standard input. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "evsrc.h"
#include "banned.h"

int evsrc_is_lines(const char *path)
{
    size_t n = strlen(path);
    return (n > 6 && !strcmp(path + n - 6, ".jsonl")) ||
           (n > 7 && !strcmp(path + n - 7, ".ndjson"));
}

void evsrc_where(const struct evsrc_item *it, char *out, size_t n)
{
    if (it->line)
        snprintf(out, n, "%s:%zu", it->file, it->line);
    else
        snprintf(out, n, "%s", it->file);
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

/* Hand each non-blank line of buf over. */
static int each_line(const char *file, struct buf *b, evsrc_fn fn, void *ctx)
{
    struct evsrc_item it = {file, 0, NULL, 0};
    char *p = b->data, *end = b->data + b->len, *nl;

    while (p < end) {
        it.line++;
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        *nl = '\0';
        it.body = p;
        it.len = (size_t)(nl - p);
        if (it.len && p[it.len - 1] == '\r')
            p[--it.len] = '\0';
        if (strspn(p, " \t") != it.len && fn(ctx, &it) < 0)
            return 1;
        p = nl + 1;
    }
    return 0;
}

/* Lines read one at a time, so that a large history file is not held in
 * memory whole. */
static int each_line_stream(const char *path, evsrc_fn fn, void *ctx, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    struct evsrc_item it = {path, 0, NULL, 0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;

    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        it.line++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if ((size_t)n == strspn(line, " \t"))
            continue;
        it.body = line;
        it.len = (size_t)n;
        if (fn(ctx, &it) < 0) {
            rc = 1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int each_in_dir(const char *path, evsrc_fn fn, void *ctx, char *err, size_t errlen)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (!d) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
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
        rc = evsrc_each(names[i], 0, fn, ctx, err, errlen);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int evsrc_each(const char *path, int allow_dir, evsrc_fn fn, void *ctx, char *err, size_t errlen)
{
    struct buf b = BUF_INIT;
    struct stat st;
    int rc;

    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) < 0) {
            snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            if (allow_dir)
                return each_in_dir(path, fn, ctx, err, errlen);
            snprintf(err, errlen, "'%s' is a folder", path);
            return -1;
        }
        if (evsrc_is_lines(path))
            return each_line_stream(path, fn, ctx, err, errlen);
    }
    if (buf_read_file(&b, path) < 0) {
        snprintf(err, errlen, "cannot read '%s': %s", strcmp(path, "-") ? path : "<stdin>",
                 strerror(errno));
        buf_free(&b);
        return -1;
    }
    if (!b.data)
        buf_grow(&b, 0);
    if (!strcmp(path, "-")) {
        /* one JSON value, or else JSON Lines when its first line is one */
        cJSON *j = cJSON_ParseWithLengthOpts(b.data, b.len, NULL, 1);
        const char *nl = memchr(b.data, '\n', b.len);
        int lines = 0;
        if (!j && nl) {
            j = cJSON_ParseWithLengthOpts(b.data, (size_t)(nl - b.data), NULL, 1);
            lines = j != NULL;
        }
        cJSON_Delete(j);
        if (lines) {
            rc = each_line("<stdin>", &b, fn, ctx);
            buf_free(&b);
            return rc;
        }
    }
    struct evsrc_item it = {strcmp(path, "-") ? path : "<stdin>", 0, b.data, b.len};
    rc = fn(ctx, &it) < 0 ? 1 : 0;
    buf_free(&b);
    return rc;
}
