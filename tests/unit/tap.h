/* Tiny TAP-like helpers for the unit test programs: each check prints
 * "ok N - what" or "not ok N - what", and tap_done() gives the exit status. */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                     \
    tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static int tap_ok(int c, const char *f, int l,
                                                        const char *fmt, ...);
#include <stdarg.h>
static int tap_ok(int c, const char *f, int l, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    printf("%s %d - ", c ? "ok" : "not ok", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!c) {
        tap_failed++;
        printf("#   at %s:%d\n", f, l);
    }
    return c;
}

__attribute__((format(printf, 5, 6), unused)) static int
tap_is_int(long long g, long long w, const char *f, int l, const char *fmt, ...)
{
    va_list ap;
    char what[512];
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (!tap_ok(g == w, f, l, "%s", what))
        printf("#   got %lld, want %lld\n", g, w);
    return g == w;
}

__attribute__((format(printf, 5, 6), unused)) static int
tap_is_str(const char *g, const char *w, const char *f, int l, const char *fmt, ...)
{
    va_list ap;
    char what[512];
    int c = g && w ? strcmp(g, w) == 0 : g == w;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (!tap_ok(c, f, l, "%s", what))
        printf("#   got '%s'\n#  want '%s'\n", g ? g : "(null)", w ? w : "(null)");
    return c;
}

static int tap_done(void)
{
    printf("# %d tests, %d failed\n", tap_n, tap_failed);
    return tap_failed ? 1 : 0;
}

#endif
