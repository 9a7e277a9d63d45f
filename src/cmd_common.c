/* Defaults every archive command shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
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
