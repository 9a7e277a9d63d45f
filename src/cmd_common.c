/* Defaults every archive command shares. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "banned.h"

const char *cmd_store_dir(const char *flag)
{
    const char *env = getenv("CERTIFICA_STORE");
    if (flag && *flag)
        return flag;
    return env && *env ? env : "out";
}

const char *cmd_public_url(const char *flag)
{
    const char *env = getenv("CERTIFICA_PUBLIC_URL");
    if (flag && *flag)
        return flag;
    return env && *env ? env : "http://127.0.0.1:8080";
}

int cmd_common_option(const struct cmd_entry *e, int c, const char *arg, struct cmd_common *o)
{
    switch (c) {
    case 's':
        o->store = arg;
        return 1;
    case 'u':
        o->public_url = arg;
        return 1;
    case 't':
        o->template = arg;
        return 1;
    case 'T':
        o->tenants = arg;
        return 1;
    case 'l':
        if (i18n_parse(arg, &o->locale) == 0) {
            o->locale_given = 1;
            return 1;
        }
        cmd_usage_error(e, "--locale: expected 'pt-BR' or 'en'");
        return -1;
    }
    return 0;
}

int cmd_usage_error(const struct cmd_entry *e, const char *msg)
{
    if (msg)
        fprintf(stderr, "certifica %s: %s\n", e->name, msg);
    fprintf(stderr, "usage: certifica %s\n", e->usage);
    return EXIT_USAGE;
}

int cmd_parse_id(const char *arg, int64_t *out)
{
    char *end;
    long long v;

    if (!arg || *arg < '0' || *arg > '9')
        return -1;
    errno = 0;
    v = strtoll(arg, &end, 10);
    if (errno || *end || v <= 0)
        return -1;
    *out = (int64_t)v;
    return 0;
}

void cmd_progress_bar(FILE *f, size_t done, size_t total, double rate, const char *tail)
{
    char bar[31];
    size_t full = total ? (done > total ? total : done) * 30 / total : 0;
    double eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < full ? '#' : '.';
    bar[30] = '\0';
    fprintf(f, "\r\033[K[%s] %zu/%zu  %.0f/s  ETA %d:%02d%s", bar, done, total, rate, (int)eta / 60,
            (int)eta % 60, tail ? tail : "");
}

volatile sig_atomic_t cmd_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    cmd_interrupted = 1;
}

void cmd_catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

double cmd_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
