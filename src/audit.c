/* The webhook audit log: each call formatted as one JSON line and handed to
 * a sink, by default files of JSON Lines per UTC day, earlier days
 * compressed with zlib, written under a mutex with one write(2) per line
 * (audit_read.c reads them back). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "audit.h"
#include "buf.h"
#include "log.h"
#include "banned.h"

#define PREFIX "audit-"
#define SUFFIX ".jsonl"
#define DAY_LEN 10 /* "YYYY-MM-DD" */

struct audit {
    pthread_mutex_t mu;
    char *dir; /* store/audit */
    int fd;    /* today's file, -1 when not open */
    char day[DAY_LEN + 1];
    audit_clock_fn clock;
    void *clock_ctx;
    audit_sink_fn sink; /* NULL: the files */
    void *sink_ctx;
};

static void real_clock(void *ctx, struct timespec *now)
{
    (void)ctx;
    clock_gettime(CLOCK_REALTIME, now);
}

static void day_of(time_t t, char *out)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, DAY_LEN + 1, "%Y-%m-%d", &tm) != DAY_LEN)
        memcpy(out, "0000-00-00", DAY_LEN + 1);
}

/* 1 when name is "audit-YYYY-MM-DD.jsonl"; the day goes to day. */
static int plain_name(const char *name, char *day)
{
    size_t pl = strlen(PREFIX);
    if (strlen(name) != pl + DAY_LEN + strlen(SUFFIX) || strncmp(name, PREFIX, pl) != 0 ||
        strcmp(name + pl + DAY_LEN, SUFFIX) != 0)
        return 0;
    memcpy(day, name + pl, DAY_LEN);
    day[DAY_LEN] = '\0';
    return 1;
}

static int path_of(const struct audit *a, const char *day, const char *ext, char *out, size_t n)
{
    int w = snprintf(out, n, "%s/" PREFIX "%s" SUFFIX "%s", a->dir, day, ext);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Gzip one day's plain file into .jsonl.gz (appending a gzip member when
 * that exists already, e.g. after the clock went back), then remove it. */
static int compress_day(const struct audit *a, const char *day, char *err, size_t errlen)
{
    char plain[4096], gz[4096], tmp[4096], chunk[65536];
    int in = -1, out = -1, rc = -1;
    gzFile z = NULL;
    ssize_t n;
    if (path_of(a, day, "", plain, sizeof(plain)) < 0 ||
        path_of(a, day, ".gz", gz, sizeof(gz)) < 0 ||
        path_of(a, day, ".gz.tmp", tmp, sizeof(tmp)) < 0) {
        snprintf(err, errlen, "audit folder path too long");
        return -1;
    }
    in = open(plain, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        goto io;
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
        goto io;
    z = gzdopen(dup(out), "wb");
    if (!z)
        goto io;
    while ((n = read(in, chunk, sizeof(chunk))) > 0)
        if (gzwrite(z, chunk, (unsigned)n) != (int)n)
            goto io;
    if (n < 0)
        goto io;
    if (gzclose(z) != Z_OK) {
        z = NULL;
        goto io;
    }
    z = NULL;
    if (fsync(out) < 0)
        goto io;
    if (access(gz, F_OK) == 0) {
        /* Concatenated gzip members are one valid gzip stream. */
        int app = open(gz, O_WRONLY | O_APPEND | O_CLOEXEC);
        int ok = app >= 0;
        int tin = open(tmp, O_RDONLY | O_CLOEXEC);
        while (ok && tin >= 0 && (n = read(tin, chunk, sizeof(chunk))) > 0)
            ok = write_all(app, chunk, (size_t)n) == 0;
        ok = ok && tin >= 0 && n == 0 && fsync(app) == 0;
        if (tin >= 0)
            close(tin);
        if (app >= 0)
            close(app);
        if (!ok || unlink(tmp) < 0)
            goto io;
    } else if (rename(tmp, gz) < 0) {
        goto io;
    }
    if (unlink(plain) < 0)
        goto io;
    rc = 0;
    goto out;
io:
    snprintf(err, errlen, "cannot compress audit log '%s': %s", plain, strerror(errno));
    unlink(tmp);
out:
    if (z)
        gzclose(z);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

/* Compress the plain files of days other than today; remove stray temporaries. */
static int compress_old(const struct audit *a, const char *today, char *err, size_t errlen)
{
    DIR *d = opendir(a->dir);
    struct dirent *de;
    int rc = 0;
    if (!d) {
        snprintf(err, errlen, "cannot open '%s': %s", a->dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        char day[DAY_LEN + 1];
        size_t l = strlen(de->d_name);
        if (l > 7 && strcmp(de->d_name + l - 7, ".gz.tmp") == 0) {
            char p[4096];
            if (snprintf(p, sizeof(p), "%s/%s", a->dir, de->d_name) < (int)sizeof(p))
                unlink(p);
            continue;
        }
        if (plain_name(de->d_name, day) && strcmp(day, today) != 0 &&
            compress_day(a, day, err, errlen) < 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

struct audit *audit_open(const char *store_dir, audit_clock_fn clock, void *clock_ctx, char *err,
                         size_t errlen)
{
    struct audit *a = xcalloc(1, sizeof(*a));
    struct buf b = BUF_INIT;
    struct timespec now;
    char today[DAY_LEN + 1];
    a->fd = -1;
    a->clock = clock ? clock : real_clock;
    a->clock_ctx = clock_ctx;
    pthread_mutex_init(&a->mu, NULL);
    buf_addf(&b, "%s/audit", store_dir);
    a->dir = buf_detach(&b, NULL);
    if (mkdir(store_dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create '%s': %s", store_dir, strerror(errno));
        goto fail;
    }
    if (mkdir(a->dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create '%s': %s", a->dir, strerror(errno));
        goto fail;
    }
    a->clock(a->clock_ctx, &now);
    day_of(now.tv_sec, today);
    if (compress_old(a, today, err, errlen) < 0)
        goto fail;
    return a;
fail:
    audit_close(a);
    return NULL;
}

struct audit *audit_open_sink(audit_sink_fn sink, void *sink_ctx, audit_clock_fn clock,
                              void *clock_ctx)
{
    struct audit *a = xcalloc(1, sizeof(*a));
    a->fd = -1;
    a->clock = clock ? clock : real_clock;
    a->clock_ctx = clock_ctx;
    a->sink = sink;
    a->sink_ctx = sink_ctx;
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void audit_close(struct audit *a)
{
    if (!a)
        return;
    if (a->fd >= 0)
        close(a->fd);
    pthread_mutex_destroy(&a->mu);
    free(a->dir);
    free(a);
}

/* A string field: masked copy, or JSON null. */
static void add_text(cJSON *o, const char *key, const char *v)
{
    char *copy;
    if (!v) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    copy = xstrdup(v);
    log_mask_cpf(copy);
    cJSON_AddStringToObject(o, key, copy);
    free(copy);
}

/* The line of e (no newline; free it), its time and keys into r. */
static char *format_line(const struct audit_entry *e, const struct timespec *now,
                         struct audit_record *r)
{
    cJSON *o = cJSON_CreateObject();
    struct tm tm;
    char when[40];
    char *json, *line;
    gmtime_r(&now->tv_sec, &tm);
    if (strftime(when, 24, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
        memcpy(when, "0000-00-00T00:00:00", 20);
    snprintf(when + 19, sizeof(when) - 19, ".%03dZ", (int)(now->tv_nsec / 1000000) % 1000);
    cJSON_AddStringToObject(o, "time", when);
    add_text(o, "peer", e->peer);
    add_text(o, "method", e->method);
    add_text(o, "slug", e->slug);
    if (e->institution_id > 0)
        cJSON_AddNumberToObject(o, "institution_id", (double)e->institution_id);
    else
        cJSON_AddNullToObject(o, "institution_id");
    add_text(o, "id", e->cert_id);
    if (e->revision > 0)
        cJSON_AddNumberToObject(o, "revision", e->revision);
    else
        cJSON_AddNullToObject(o, "revision");
    add_text(o, "outcome", e->outcome);
    cJSON_AddNumberToObject(o, "status", e->status);
    add_text(o, "error", e->error);
    cJSON_AddNumberToObject(o, "duration_ms", round(e->duration_ms * 1000.0) / 1000.0);
    if (e->count > 1)
        cJSON_AddNumberToObject(o, "count", e->count);
    json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json)
        return NULL;
    line = xstrdup(json);
    cJSON_free(json);
    snprintf(r->time, sizeof(r->time), "%.24s", when);
    r->institution_id = e->institution_id > 0 ? e->institution_id : 0;
    r->status = e->status;
    r->line = line;
    r->len = strlen(line);
    return line;
}

int audit_write(struct audit *a, const struct audit_entry *e, char *err, size_t errlen)
{
    struct timespec now;
    struct audit_record r;
    char *line;
    int rc;
    a->clock(a->clock_ctx, &now);
    line = format_line(e, &now, &r);
    if (!line) {
        snprintf(err, errlen, "cannot format an audit line");
        return -1;
    }
    rc = a->sink ? a->sink(a->sink_ctx, &r, err, errlen) : audit_append(a, &r, err, errlen);
    free(line);
    return rc;
}

int audit_append(struct audit *a, const struct audit_record *r, char *err, size_t errlen)
{
    char day[DAY_LEN + 1], path[4096];
    struct stat st;
    struct buf line = BUF_INIT;
    int rc = -1, rotated = 0;
    if (a->sink || strlen(r->time) < DAY_LEN) {
        snprintf(err, errlen, a->sink ? "not a file audit log" : "audit record without a time");
        return -1;
    }
    memcpy(day, r->time, DAY_LEN);
    day[DAY_LEN] = '\0';
    buf_add(&line, r->line, r->len);
    buf_addc(&line, '\n');
    pthread_mutex_lock(&a->mu);
    if (a->fd >= 0 && strcmp(a->day, day) != 0) {
        close(a->fd);
        a->fd = -1;
        /* A failed compression keeps the plain file (retried at the next
         * start) and does not lose this line. */
        rotated = compress_day(a, a->day, err, errlen);
    }
    if (a->fd < 0) {
        if (path_of(a, day, "", path, sizeof(path)) < 0) {
            snprintf(err, errlen, "audit folder path too long");
            goto fail;
        }
        a->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (a->fd < 0) {
            snprintf(err, errlen, "cannot open audit log '%s': %s", path, strerror(errno));
            goto fail;
        }
        memcpy(a->day, day, sizeof(day));
    }
    if (fstat(a->fd, &st) < 0) {
        snprintf(err, errlen, "cannot write audit log: %s", strerror(errno));
        goto fail;
    }
    if (write_all(a->fd, line.data, line.len) < 0) {
        snprintf(err, errlen, "cannot write audit log: %s", strerror(errno));
        /* A disk that fills up mid-line would leave half a line for the
         * next one to be glued to: cut the file back to whole lines. */
        if (ftruncate(a->fd, st.st_size) < 0) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, "; a partial line is left: %s", strerror(errno));
        }
        goto fail;
    }
    rc = rotated;
fail:
    pthread_mutex_unlock(&a->mu);
    buf_free(&line);
    return rc;
}
