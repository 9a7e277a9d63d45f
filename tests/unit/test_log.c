/* Unit tests for log: the line a user reads on stderr (UTC time, level,
 * message), control characters and CPFs made harmless, long messages cut,
 * and whole lines when many threads log at once. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "log.h"
#include "banned.h"

#define N_THREADS 8
#define N_LINES 300

static char path[256];
static int saved_stderr = -1;

/* Send stderr to a fresh file until capture_end. */
static void capture_begin(void)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

/* Restore stderr; what was written meanwhile (caller frees). */
static char *capture_end(size_t *len)
{
    FILE *f;
    char *text;
    long n;
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
        perror(path);
        exit(1);
    }
    rewind(f);
    text = calloc(1, (size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    if (len)
        *len = (size_t)n;
    return text;
}

/* The time at the start of a line "YYYY-MM-DDTHH:MM:SSZ ", or -1. */
static time_t stamp_of(const char *line)
{
    struct tm tm;
    char z, sp;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &sp) != 8 ||
        z != 'Z' || sp != ' ' || line[4] != '-' || line[10] != 'T')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* The lines of text with their time stamps stripped, each checked to lie
 * within [from, to]; n_bad counts lines without a valid stamp. */
static char *strip_stamps(char *text, time_t from, time_t to, int *n_bad)
{
    char *out = calloc(1, strlen(text) + 1), *w = out, *save, *line;
    *n_bad = 0;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        time_t t = stamp_of(line);
        if (t < from || t > to || strlen(line) < 21) {
            ++*n_bad;
            continue;
        }
        memcpy(w, line + 21, strlen(line + 21));
        w += strlen(line + 21);
        *w++ = '\n';
    }
    return out;
}

static void test_lines(void)
{
    time_t before = time(NULL), after;
    char *text, *rest;
    int bad;
    capture_begin();
    log_printf(LOG_LEVEL_INFO, "listening on %s (%d threads)", "127.0.0.1:8080", 4);
    log_printf(LOG_LEVEL_WARN, "disk %s", "slow");
    log_printf(LOG_LEVEL_ERROR, "audit: %s", "cannot write");
    log_printf(LOG_LEVEL_WARN, "webhook %d", 413);
    log_printf(LOG_LEVEL_ERROR, "webhook %d", 500);
    text = capture_end(NULL);
    after = time(NULL);
    ok(stamp_of(text) >= before && stamp_of(text) <= after, "line starts with the UTC time: %.21s",
       text);
    rest = strip_stamps(text, before, after, &bad);
    is_int(bad, 0, "every line has a time stamp");
    is_str(rest,
           "info: listening on 127.0.0.1:8080 (4 threads)\n"
           "warn: disk slow\n"
           "error: audit: cannot write\n"
           "warn: webhook 413\n"
           "error: webhook 500\n",
           "level and message");
    free(rest);
    free(text);
}

static void test_unsafe(void)
{
    time_t before = time(NULL), after;
    char *text, *rest;
    int bad;
    capture_begin();
    log_printf(LOG_LEVEL_WARN, "slug '%s'", "x\n2024-06-01T00:00:00Z info: forged\r\x1b[2J\x7f");
    log_printf(LOG_LEVEL_INFO, "cpf %s and %s, id %s", "12345678909", "123.456.789-09",
               "1234567890");
    text = capture_end(NULL);
    after = time(NULL);
    rest = strip_stamps(text, before, after, &bad);
    is_int(bad, 0, "no forged line");
    is_str(rest,
           "warn: slug 'x?2024-06-01T00:00:00Z info: forged??[2J?'\n"
           "info: cpf *********** and ***.***.***-**, id 1234567890\n",
           "control characters replaced, CPF masked");
    free(rest);
    free(text);
}

static void test_long(void)
{
    char *big = malloc(5000), *text;
    size_t len;
    memset(big, 'a', 4999);
    big[4999] = '\0';
    capture_begin();
    log_printf(LOG_LEVEL_INFO, "%s", big);
    log_printf(LOG_LEVEL_INFO, "after");
    text = capture_end(&len);
    ok(strstr(text, "aaa...\n") != NULL, "a long message is cut and ends '...'");
    ok(strchr(text, '\n') - text < LOG_LINE_MAX, "the line stays under %d bytes", LOG_LINE_MAX);
    ok(strstr(text, "Z info: after\n") != NULL, "the next line is whole");
    free(text);
    free(big);
}

static void test_mask(void)
{
    char a[] = "cpf 12345678909 and 123.456.789-09, id 1234567890 and 123456789012";
    log_mask_cpf(a);
    is_str(a, "cpf *********** and ***.***.***-**, id 1234567890 and 123456789012", "mask");
}

static void *writer(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < N_LINES; i++)
        log_printf(LOG_LEVEL_INFO, "thread %ld line %d %0400d", id, i, 0);
    return NULL;
}

static void test_threads(void)
{
    pthread_t th[N_THREADS];
    char *text, *save, *line;
    int n = 0, whole = 0;
    capture_begin();
    for (long i = 0; i < N_THREADS; i++)
        pthread_create(&th[i], NULL, writer, (void *)i);
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(th[i], NULL);
    text = capture_end(NULL);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char want[512];
        long id;
        int i;
        n++;
        if (stamp_of(line) < 0 || sscanf(line + 21, "info: thread %ld line %d", &id, &i) != 2)
            continue;
        snprintf(want, sizeof(want), "info: thread %ld line %d %0400d", id, i, 0);
        whole += strcmp(line + 21, want) == 0;
    }
    is_int(n, N_THREADS * N_LINES, "every line written");
    is_int(whole, N_THREADS * N_LINES, "every line whole");
    free(text);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/test_log_%ld.txt", tmp ? tmp : "/tmp", (long)getpid());
    test_lines();
    test_unsafe();
    test_long();
    test_mask();
    test_threads();
    unlink(path);
    return tap_done();
}
