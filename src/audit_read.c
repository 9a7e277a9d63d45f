/* Reading the audit log back: the day files of audit.c, plain or
 * gzip-compressed, line by line, through a filter. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "audit.h"
#include "buf.h"
#include "banned.h"

#define PREFIX "audit-"
#define DAY_LEN 10

/* 1 when s is "yyyy-MM-ddTHH:mm:ss.mmmZ" by its shape. */
static int time_shaped(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (strlen(s) != sizeof(shape) - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return 0;
    return 1;
}

int audit_record_parse(const char *line, size_t len, struct audit_record *r)
{
    cJSON *o = cJSON_ParseWithLength(line, len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "time");
    const cJSON *inst = cJSON_GetObjectItemCaseSensitive(o, "institution_id");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(o, "status");
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (cJSON_IsObject(o) && cJSON_IsString(t) && time_shaped(t->valuestring)) {
        snprintf(r->time, sizeof(r->time), "%s", t->valuestring);
        if (cJSON_IsNumber(inst) && inst->valuedouble > 0 && inst->valuedouble < 9.1e15)
            r->institution_id = (int64_t)inst->valuedouble;
        if (cJSON_IsNumber(status) && status->valuedouble >= 0 && status->valuedouble < 1000)
            r->status = (int)status->valuedouble;
        r->line = line;
        r->len = len;
        rc = 0;
    }
    cJSON_Delete(o);
    return rc;
}

int audit_filter_match(const struct audit_filter *f, const struct audit_record *r)
{
    if (!f)
        return 1;
    if (f->since[0] && strncmp(r->time, f->since, DAY_LEN) < 0)
        return 0;
    if (f->institution_id && r->institution_id != f->institution_id)
        return 0;
    if ((f->status_min || f->status_max) && (r->status < f->status_min || r->status > f->status_max))
        return 0;
    return 1;
}

/* The day of "audit-YYYY-MM-DD.jsonl" (kind 0) or ".jsonl.gz" (kind 1). */
static int day_file(const char *name, char *day, int *kind)
{
    size_t pl = strlen(PREFIX), l = strlen(name);
    if (l < pl + DAY_LEN || strncmp(name, PREFIX, pl) != 0)
        return 0;
    if (strcmp(name + pl + DAY_LEN, ".jsonl") == 0)
        *kind = 0;
    else if (strcmp(name + pl + DAY_LEN, ".jsonl.gz") == 0)
        *kind = 1;
    else
        return 0;
    for (size_t i = 0; i < DAY_LEN; i++)
        if (!((name[pl + i] >= '0' && name[pl + i] <= '9') || ((i == 4 || i == 7) && name[pl + i] == '-')))
            return 0;
    memcpy(day, name + pl, DAY_LEN);
    day[DAY_LEN] = '\0';
    return 1;
}

/* Day order; a day's compressed file (its earlier lines) before its plain one. */
static int by_day(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int c = strncmp(x + strlen(PREFIX), y + strlen(PREFIX), DAY_LEN);
    if (c)
        return c;
    return (strstr(y, ".gz") != NULL) - (strstr(x, ".gz") != NULL);
}

struct reader {
    const struct audit_filter *f;
    audit_each_fn fn;
    void *ctx;
};

/* Every whole line of one file (zlib reads a plain file as it is). */
static int read_file(const struct reader *rd, const char *path, char *err, size_t errlen)
{
    gzFile z = gzopen(path, "rb");
    struct buf b = BUF_INIT;
    char chunk[65536];
    int n, rc = 0, zerr;
    size_t start = 0;

    if (!z) {
        /* Compressed since the folder was listed (at a change of day): its
         * lines are in the .gz now, not read this time. */
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot open audit log '%s': %s", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (n = gzread(z, chunk, sizeof(chunk))) > 0) {
        char *nl;
        buf_add(&b, chunk, (size_t)n);
        while (rc == 0 && (nl = memchr(b.data + start, '\n', b.len - start)) != NULL) {
            struct audit_record r;
            size_t len = (size_t)(nl - (b.data + start));
            *nl = '\0';
            if (len && audit_record_parse(b.data + start, len, &r) == 0 &&
                audit_filter_match(rd->f, &r))
                rc = rd->fn(rd->ctx, &r, err, errlen);
            start += len + 1;
        }
        if (start > 0) {
            memmove(b.data, b.data + start, b.len - start);
            b.len -= start;
            start = 0;
        }
    }
    if (rc == 0 && n < 0) {
        const char *msg = gzerror(z, &zerr);
        snprintf(err, errlen, "cannot read audit log '%s': %s", path,
                 zerr == Z_ERRNO ? strerror(errno) : msg);
        rc = -1;
    }
    gzclose(z);
    buf_free(&b);
    return rc;
}

int audit_each(const char *store_dir, const struct audit_filter *f, audit_each_fn fn, void *ctx,
               char *err, size_t errlen)
{
    struct buf dir = BUF_INIT;
    struct reader rd = {f, fn, ctx};
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    buf_addf(&dir, "%s/audit", store_dir);
    d = opendir(dir.data);
    if (!d) {
        rc = errno == ENOENT ? 0 : -1;
        if (rc < 0)
            snprintf(err, errlen, "cannot open '%s': %s", dir.data, strerror(errno));
        buf_free(&dir);
        return rc;
    }
    while ((de = readdir(d)) != NULL) {
        char day[DAY_LEN + 1];
        int kind;
        if (!day_file(de->d_name, day, &kind))
            continue;
        if (f && f->since[0] && strcmp(day, f->since) < 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_day);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct buf path = BUF_INIT;
        buf_addf(&path, "%s/%s", dir.data, names[i]);
        rc = read_file(&rd, path.data, err, errlen);
        buf_free(&path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    buf_free(&dir);
    return rc;
}
