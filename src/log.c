/* One-line logging on stderr: format the message, make it safe to print
 * (no control characters, no CPF), stamp it with the UTC time and the level,
 * and write it whole. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "banned.h"

#define MSG_MAX 2048 /* bytes of a message; longer ones are cut and end "..." */

static const char *level_name(enum log_level level)
{
    switch (level) {
    case LOG_LEVEL_INFO:
        return "info";
    case LOG_LEVEL_WARN:
        return "warn";
    case LOG_LEVEL_ERROR:
        break;
    }
    return "error";
}

void log_mask_cpf(char *s)
{
    while (*s) {
        char *start, *end;
        int digits = 0;
        if (*s < '0' || *s > '9') {
            s++;
            continue;
        }
        start = s;
        for (end = s; (*end >= '0' && *end <= '9') || *end == '.' || *end == '-'; end++)
            digits += *end >= '0' && *end <= '9';
        while (end > start && (end[-1] < '0' || end[-1] > '9'))
            end--;
        if (digits == 11)
            for (char *p = start; p < end; p++)
                if (*p >= '0' && *p <= '9')
                    *p = '*';
        s = end;
    }
}

void log_printf(enum log_level level, const char *fmt, ...)
{
    char msg[MSG_MAX], line[LOG_LINE_MAX];
    struct timespec now;
    struct tm tm;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    log_mask_cpf(msg);
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ %s: %s%s\n", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, level_name(level),
                 msg, (size_t)n >= sizeof(msg) ? "..." : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    /* One write, so lines from many threads never interleave. */
    while (write(STDERR_FILENO, line, (size_t)n) < 0 && errno == EINTR)
        ;
}
