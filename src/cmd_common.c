/* Defaults every archive command shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
    case CMD_OPT_SIGN_CERT:
        o->sign.cert = arg;
        return 1;
    case CMD_OPT_SIGN_KEY:
        o->sign.key = arg;
        return 1;
    case CMD_OPT_SIGN_KEY_PASS:
        o->sign.key_pass_file = arg;
        return 1;
    case CMD_OPT_SIGN_P12:
        o->sign.p12 = arg;
        return 1;
    case CMD_OPT_SIGN_P12_PASS:
        o->sign.p12_pass_file = arg;
        return 1;
    case CMD_OPT_SIGN_CHAIN:
        o->sign.chain = arg;
        return 1;
    case CMD_OPT_TSA_URL:
        o->sign.tsa_url = arg;
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

/* The flag, else the environment variable when set and not empty. */
static const char *flag_or_env(const char *flag, const char *var)
{
    const char *env = getenv(var);
    if (flag && *flag)
        return flag;
    return env && *env ? env : NULL;
}

struct sign_key *cmd_sign_key(const struct cmd_entry *e, const struct cmd_common *o, int *failed)
{
    struct sign_settings s = {
        flag_or_env(o->sign.cert, "CERTIFICA_SIGN_CERT"),
        flag_or_env(o->sign.key, "CERTIFICA_SIGN_KEY"),
        flag_or_env(o->sign.key_pass_file, "CERTIFICA_SIGN_KEY_PASS_FILE"),
        flag_or_env(o->sign.p12, "CERTIFICA_SIGN_P12"),
        flag_or_env(o->sign.p12_pass_file, "CERTIFICA_SIGN_P12_PASS_FILE"),
        flag_or_env(o->sign.chain, "CERTIFICA_SIGN_CHAIN"),
        flag_or_env(o->sign.tsa_url, "CERTIFICA_TSA_URL"),
    };
    struct sign_key *k;
    char err[1024];

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
