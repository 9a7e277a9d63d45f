/* Defaults every archive command shares. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "issue.h"
#include "store.h"
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

/* The signing options: flag value, field of struct sign_settings, variable. */
static const struct {
    int opt;
    size_t off;
    const char *env;
} sign_opts[] = {
    {CMD_OPT_SIGN_CERT, offsetof(struct sign_settings, cert), "CERTIFICA_SIGN_CERT"},
    {CMD_OPT_SIGN_KEY, offsetof(struct sign_settings, key), "CERTIFICA_SIGN_KEY"},
    {CMD_OPT_SIGN_KEY_PASS, offsetof(struct sign_settings, key_pass_file),
     "CERTIFICA_SIGN_KEY_PASS_FILE"},
    {CMD_OPT_SIGN_P12, offsetof(struct sign_settings, p12), "CERTIFICA_SIGN_P12"},
    {CMD_OPT_SIGN_P12_PASS, offsetof(struct sign_settings, p12_pass_file),
     "CERTIFICA_SIGN_P12_PASS_FILE"},
    {CMD_OPT_SIGN_CHAIN, offsetof(struct sign_settings, chain), "CERTIFICA_SIGN_CHAIN"},
    {CMD_OPT_TSA_URL, offsetof(struct sign_settings, tsa_url), "CERTIFICA_TSA_URL"},
};
#define N_SIGN_OPTS (sizeof(sign_opts) / sizeof(sign_opts[0]))

static const char **sign_field(struct sign_settings *s, size_t i)
{
    return (const char **)(void *)((char *)s + sign_opts[i].off);
}

int cmd_common_option(const struct cmd_entry *e, int c, const char *arg, struct cmd_common *o)
{
    for (size_t i = 0; i < N_SIGN_OPTS; i++)
        if (c == sign_opts[i].opt) {
            *sign_field(&o->sign, i) = arg;
            return 1;
        }
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
    case 'P':
        if ((o->pdfa_off = config_parse_pdfa(arg)) >= 0) {
            o->pdfa_given = 1;
            return 1;
        }
        cmd_usage_error(e, "--pdfa: expected '1b' or 'off'");
        return -1;
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

struct sign_key *cmd_sign_key(const struct cmd_entry *e, const struct cmd_common *o, int *failed)
{
    struct sign_settings s = o->sign;
    struct sign_key *k;
    char err[1024];

    /* a flag beats its variable; an empty variable is not set */
    for (size_t i = 0; i < N_SIGN_OPTS; i++) {
        const char *env = getenv(sign_opts[i].env);
        if (!*sign_field(&s, i) && env && *env)
            *sign_field(&s, i) = env;
    }
    *failed = 0;
    if (!sign_settings_any(&s) && !s.tsa_url)
        return NULL;
    k = sign_key_load(&s, err, sizeof(err));
    if (!k) {
        fprintf(stderr, "certifica %s: %s\n", e->name, err);
        *failed = 1;
    }
    return k;
}

int cmd_common_done(const struct cmd_entry *e, struct cmd_common *o)
{
    const char *env = getenv("CERTIFICA_PDFA");

    if (o->pdfa_given || !env || !*env)
        return 0;
    if ((o->pdfa_off = config_parse_pdfa(env)) < 0) {
        o->pdfa_off = 0;
        cmd_usage_error(e, "CERTIFICA_PDFA: expected '1b' or 'off'");
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

int cmd_parse_count(const char *arg, size_t lo, size_t hi, size_t *out)
{
    char *end;
    unsigned long long v;

    if (!arg || *arg < '0' || *arg > '9')
        return -1;
    errno = 0;
    v = strtoull(arg, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = (size_t)v;
    return 0;
}

struct issue *cmd_issue_open(const struct cmd_entry *e, const struct cmd_common *co,
                             struct sign_key **sign)
{
    struct issue_config cfg = {0};
    struct issue *is;
    char err[1024];
    int bad_key;

    cfg.store_dir = cmd_store_dir(co->store);
    cfg.public_url = cmd_public_url(co->public_url);
    cfg.template = co->template;
    cfg.locale = co->locale;
    cfg.tenants = co->tenants;
    cfg.locale_fixed = co->locale_given;
    cfg.pdfa_off = co->pdfa_off;
    cfg.sign = *sign = cmd_sign_key(e, co, &bad_key);
    if (bad_key)
        return NULL;
    is = issue_open(&cfg, err, sizeof(err));
    if (!is) {
        fprintf(stderr, "certifica: %s\n", err);
        sign_key_free(*sign);
        *sign = NULL;
    }
    return is;
}

void cmd_print_stats(struct store *st, double start)
{
    struct store_stats ss;
    const char *env = getenv("CERTIFICA_STATS");
    char err[512];

    if (!env || strcmp(env, "1") != 0)
        return;
    if (store_stats(st, &ss, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return;
    }
    fprintf(stderr,
            "stats: %" PRIu64 " renders, %" PRIu64 " fsyncs in %.2f s, %" PRIu64
            " commits in %.2f s, %.2f s elapsed\n",
            ss.renders, ss.fsyncs, ss.fsync_seconds, ss.commits, ss.commit_seconds,
            cmd_seconds() - start);
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
