/* Unit tests for audit: JSON lines, daily rotation with gzip under an
 * injected clock, CPF masking, and many threads writing at once. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "tap.h"
#include "audit.h"
#include "buf.h"
#include "banned.h"

#define DAY1 ((time_t)1717200000) /* 2024-06-01 00:00:00 UTC */
#define N_THREADS 8
#define N_LINES 250

static char dir[256];
static time_t fake_now;

static void fake_clock(void *ctx, struct timespec *now)
{
    (void)ctx;
    now->tv_sec = fake_now;
    now->tv_nsec = 123456789;
}

static char *path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof(p), "%s/audit/%s", dir, name);
    return p;
}

static int exists(const char *name)
{
    return access(path(name), F_OK) == 0;
}

/* The whole text of a plain or gzip file (gzread reads plain files too). */
static char *slurp(const char *name)
{
    struct buf b = BUF_INIT;
    char chunk[4096];
    int n;
    gzFile z = gzopen(path(name), "rb");
    if (!z)
        return NULL;
    while ((n = gzread(z, chunk, sizeof(chunk))) > 0)
        buf_add(&b, chunk, (size_t)n);
    gzclose(z);
    buf_addc(&b, '\0');
    return buf_detach(&b, NULL);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void test_lines(void)
{
    char err[256];
    struct audit *a;
    struct audit_entry e = {
        "127.0.0.1", "POST", "activities.certificate.issued", "c-123", 1, "issued", 201, NULL,
        12.3456,     1,      98765432};
    char *text;
    cJSON *o;
    fake_now = DAY1 + 3600;
    a = audit_open(dir, fake_clock, NULL, err, sizeof(err));
    ok(a != NULL, "open: %s", a ? "" : err);
    if (!a)
        return;
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "write an accepted call");
    e = (struct audit_entry){"::1", "POST", NULL, NULL, 0, NULL, 422, NULL, 1, 5, 0};
    e.error =
        "data.user.cpf: '123.456.789-09' has wrong check digits; data.user.id: 12345678901234";
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "write a refused call");
    audit_close(a);

    text = slurp("audit-2024-06-01.jsonl");
    is_int(count_lines(text), 2, "two lines in the day's file");
    o = text ? cJSON_Parse(text) : NULL; /* parses the first line */
    ok(o != NULL, "first line is JSON");
    if (o) {
        is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "time")), "2024-06-01T01:00:00.123Z",
               "time in UTC with milliseconds");
        is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "peer")), "127.0.0.1", "peer");
        is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "slug")),
               "activities.certificate.issued", "slug");
        is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")), "c-123", "certificate id");
        ok(cJSON_GetObjectItem(o, "institution_id") &&
               cJSON_GetObjectItem(o, "institution_id")->valuedouble == 98765432,
           "institution id");
        is_int(cJSON_GetObjectItem(o, "status")->valuedouble, 201, "status");
        is_int(cJSON_GetObjectItem(o, "revision")->valuedouble, 1, "revision");
        ok(cJSON_GetObjectItem(o, "duration_ms")->valuedouble == 12.346, "duration rounded");
        ok(cJSON_IsNull(cJSON_GetObjectItem(o, "error")), "no error is null");
        ok(!cJSON_GetObjectItem(o, "count"), "a line for one call has no count");
        cJSON_Delete(o);
    }
    o = text && strchr(text, '\n') ? cJSON_Parse(strchr(text, '\n') + 1) : NULL;
    ok(o && cJSON_GetObjectItem(o, "count") && cJSON_GetObjectItem(o, "count")->valuedouble == 5,
       "a line standing for 5 calls says count 5");
    cJSON_Delete(o);
    ok(text && strstr(text, "'***.***.***-**' has wrong") != NULL, "CPF masked in the error");
    ok(text && strstr(text, "12345678901234") != NULL, "a 14-digit id is kept");
    ok(text && !strstr(text, "456.789"), "no CPF digits at all");
    free(text);
    ok(access(path("audit-2024-06-01.jsonl"), R_OK) == 0, "file readable");
    {
        struct stat st;
        stat(path("audit-2024-06-01.jsonl"), &st);
        is_int(st.st_mode & 0777, 0600, "file mode 0600");
    }
}

static void test_rotation(void)
{
    char err[256];
    struct audit *a;
    struct audit_entry e = {"127.0.0.1", "POST", "x", NULL, 0, "ignored", 202, NULL, 0.5, 1, 0};
    char *text;

    fake_now = DAY1 + 86400 - 1; /* 2024-06-01 23:59:59 */
    a = audit_open(dir, fake_clock, NULL, err, sizeof(err));
    ok(a != NULL, "reopen on the same day");
    if (!a)
        return;
    ok(exists("audit-2024-06-01.jsonl"), "today's file left plain");
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "third line on day 1");
    fake_now = DAY1 + 86400; /* midnight */
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "first line on day 2");
    ok(!exists("audit-2024-06-01.jsonl"), "day 1 plain file removed");
    ok(exists("audit-2024-06-01.jsonl.gz"), "day 1 compressed");
    ok(exists("audit-2024-06-02.jsonl"), "day 2 plain file");
    text = slurp("audit-2024-06-01.jsonl.gz");
    is_int(count_lines(text), 3, "compressed day 1 has its three lines");
    free(text);
    {
        char magic[2] = {0};
        int fd = open(path("audit-2024-06-01.jsonl.gz"), O_RDONLY);
        ok(fd >= 0 && read(fd, magic, 2) == 2 && magic[0] == '\x1f' && magic[1] == '\x8b',
           "gzip magic");
        if (fd >= 0)
            close(fd);
    }
    /* The clock goes back a day: the late line is appended as a second gzip member. */
    fake_now = DAY1 + 60;
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "clock back to day 1");
    fake_now = DAY1 + 86400 + 60;
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "clock forward to day 2");
    text = slurp("audit-2024-06-01.jsonl.gz");
    is_int(count_lines(text), 4, "day 1 gz now holds four lines");
    free(text);
    audit_close(a);

    /* A new start two days later compresses day 2 left plain. */
    fake_now = DAY1 + 3 * 86400;
    a = audit_open(dir, fake_clock, NULL, err, sizeof(err));
    ok(a != NULL, "open on day 4");
    ok(!exists("audit-2024-06-02.jsonl") && exists("audit-2024-06-02.jsonl.gz"),
       "leftover day 2 compressed at open");
    text = slurp("audit-2024-06-02.jsonl.gz");
    is_int(count_lines(text), 2, "day 2 gz holds its two lines (two gzip members)");
    free(text);
    audit_close(a);
}

struct worker {
    struct audit *a;
    int id, failures;
};

static void *work(void *p)
{
    struct worker *w = p;
    char err[256], slug[64];
    for (int i = 0; i < N_LINES; i++) {
        struct audit_entry e = {
            "10.0.0.1", "POST", slug, NULL, 0, NULL, 401, "missing or wrong credentials", i, 1, 0};
        snprintf(slug, sizeof(slug), "thread-%d-line-%d", w->id, i);
        if (audit_write(w->a, &e, err, sizeof(err)) < 0)
            w->failures++;
    }
    return NULL;
}

static void test_threads(void)
{
    char err[256];
    pthread_t t[N_THREADS];
    struct worker w[N_THREADS];
    struct audit *a;
    char *text, *line, *save = NULL;
    int valid = 0, failures = 0;
    fake_now = DAY1 + 10 * 86400;
    a = audit_open(dir, fake_clock, NULL, err, sizeof(err));
    if (!a) {
        ok(0, "open for threads: %s", err);
        return;
    }
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (struct worker){a, i, 0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    audit_close(a);
    is_int(failures, 0, "no failed writes");
    text = slurp("audit-2024-06-11.jsonl");
    is_int(count_lines(text), N_THREADS * N_LINES, "every line written");
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        valid += o != NULL;
        cJSON_Delete(o);
    }
    is_int(valid, N_THREADS * N_LINES, "every line is whole JSON");
    free(text);
}

struct seen {
    int n;
    char first[25], last[25];
    int statuses[16];
};

static int collect(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    struct seen *s = ctx;
    (void)err;
    (void)errlen;
    if (s->n == 0)
        snprintf(s->first, sizeof(s->first), "%s", r->time);
    snprintf(s->last, sizeof(s->last), "%s", r->time);
    if (s->n < 16)
        s->statuses[s->n] = r->status;
    s->n++;
    return 0;
}

static int count_with(const struct audit_filter *f, struct seen *s)
{
    char err[256];
    memset(s, 0, sizeof(*s));
    if (audit_each(dir, f, collect, s, err, sizeof(err)) < 0) {
        fprintf(stderr, "# %s\n", err);
        return -1;
    }
    return s->n;
}

/* After test_rotation: day 1 compressed (201 of institution 98765432, 422,
 * 202, and the 202 written when the clock went back), day 2 compressed (202,
 * 202). */
static void test_each(void)
{
    struct audit_filter f;
    struct seen s;
    is_int(count_with(NULL, &s), 6, "every record is read back, compressed days too");
    is_str(s.first, "2024-06-01T01:00:00.123Z", "oldest first");
    ok(s.statuses[0] == 201 && s.statuses[1] == 422 && s.statuses[3] == 202, "in the order written");
    memset(&f, 0, sizeof(f));
    f.institution_id = 98765432;
    is_int(count_with(&f, &s), 1, "--institution keeps that institution's record");
    is_int(s.statuses[0], 201, "the institution's record is the 201");
    memset(&f, 0, sizeof(f));
    f.status_min = 400;
    f.status_max = 499;
    is_int(count_with(&f, &s), 1, "4xx keeps the 422");
    memset(&f, 0, sizeof(f));
    snprintf(f.since, sizeof(f.since), "2024-06-02");
    is_int(count_with(&f, &s), 2, "since day 2 keeps day 2");
    ok(strncmp(s.first, "2024-06-02", 10) == 0, "and nothing earlier");
    f.status_min = f.status_max = 201;
    is_int(count_with(&f, &s), 0, "filters combine");
}

static int sink_lines;
static int count_sink(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    if (r->len == strlen(r->line) && r->line[0] == '{' && r->line[r->len - 1] == '}' &&
        r->status == 503 && r->institution_id == 7 && strncmp(r->time, "2024-06-01T", 11) == 0)
        sink_lines++;
    return 0;
}

static void test_sink(void)
{
    char err[256];
    struct audit_entry e = {"::1", "POST", "x", NULL, 0, NULL, 503, "db down", 1, 1, 7};
    struct audit *a;
    struct audit_record r;
    fake_now = DAY1 + 10;
    a = audit_open_sink(count_sink, NULL, fake_clock, NULL);
    is_int(audit_write(a, &e, err, sizeof(err)), 0, "a sink takes the line");
    is_int(sink_lines, 1, "with its time, status and institution");
    ok(audit_append(a, &(struct audit_record){"2024-06-01T00:00:00.000Z", 0, 200, "{}", 2}, err,
                    sizeof(err)) < 0,
       "a sink log has no files to append to");
    audit_close(a);
    {
        const char *bad = "{\"time\":\"yesterday\"}";
        ok(audit_record_parse(bad, strlen(bad), &r) < 0, "a line without a time is no record");
    }
    const char *good = "{\"time\":\"2024-06-01T00:00:00.000Z\",\"status\":401}";
    ok(audit_record_parse(good, strlen(good), &r) == 0 &&
           r.status == 401 && r.institution_id == 0,
       "a record line parses");
}

static void test_errors(void)
{
    char err[256];
    struct audit *a = audit_open("/proc/none/store", NULL, NULL, err, sizeof(err));
    ok(a == NULL, "unwritable store refused");
    ok(strstr(err, "cannot create '/proc/none/store'") != NULL, "error names the folder: %s", err);
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/test_audit_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_lines();
    test_rotation();
    test_each();
    test_sink();
    test_threads();
    test_errors();
    cleanup();
    return tap_done();
}
