/* Subcommands: each cmd_*.c exports one struct cmd_entry; main.c looks the
 * name up in its table (tmux's cmd-*.c, git's commands[]). */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "i18n.h"
#include "sign.h"

/* Exit statuses shared by every command (SPEC §4). */
#define EXIT_OK 0
#define EXIT_RUNTIME 1 /* I/O and other runtime failures */
#define EXIT_USAGE 2   /* bad usage or invalid input */

struct cmd_entry {
    const char *name;
    const char *usage;                  /* one line, after "certifica " */
    const char *help;                   /* a sentence */
    int (*exec)(int argc, char **argv); /* argv[0] is the command name */
};

/* Print "certifica NAME: msg" (when msg) and the command's usage line on
 * stderr; returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *e, const char *msg);

/* The archive folder: the --store flag, else $CERTIFICA_STORE, else "out". */
const char *cmd_store_dir(const char *flag);
/* Verification links: the flag, else $CERTIFICA_PUBLIC_URL, else the
 * server's default address. */
const char *cmd_public_url(const char *flag);

/* The options the commands that render or archive share, parsed in one place:
 * --store DIR, --public-url URL, --template NAME|PATH, --locale pt-BR|en,
 * --tenants DIR, and the signing key: --sign-cert FILE, --sign-key FILE,
 * --sign-key-pass-file FILE, --sign-p12 FILE, --sign-p12-pass-file FILE,
 * --sign-chain FILE, --tsa-url URL. */
struct cmd_common {
    const char *store, *public_url, *template; /* NULL when not given */
    const char *tenants;                       /* NULL: $CERTIFICA_TENANTS, else home/tenants */
    enum i18n_locale locale;                   /* I18N_PT_BR unless given */
    int locale_given;                          /* --locale was given: it beats a tenant's */
    struct sign_settings sign;                 /* the flags given (see cmd_sign_key) */
    int pdfa_off;   /* --pdfa off, else $CERTIFICA_PDFA=off: plain PDFs (see cmd_common_done) */
    int pdfa_given; /* --pdfa was given */
};
enum {
    CMD_OPT_SIGN_CERT = 0x100,
    CMD_OPT_SIGN_KEY,
    CMD_OPT_SIGN_KEY_PASS,
    CMD_OPT_SIGN_P12,
    CMD_OPT_SIGN_P12_PASS,
    CMD_OPT_SIGN_CHAIN,
    CMD_OPT_TSA_URL,
};
/* Their getopt_long entries, to put first in a command's table; their short
 * values are 's', 'u', 't', 'l', 'T', 'P' and CMD_OPT_*. */
#define CMD_COMMON_OPTIONS                                                                         \
    {"store", required_argument, NULL, 's'}, {"public-url", required_argument, NULL, 'u'},         \
        {"template", required_argument, NULL, 't'}, {"tenants", required_argument, NULL, 'T'},     \
        {"locale", required_argument, NULL, 'l'},                                                  \
        {"sign-cert", required_argument, NULL, CMD_OPT_SIGN_CERT},                                 \
        {"sign-key", required_argument, NULL, CMD_OPT_SIGN_KEY},                                   \
        {"sign-key-pass-file", required_argument, NULL, CMD_OPT_SIGN_KEY_PASS},                    \
        {"sign-p12", required_argument, NULL, CMD_OPT_SIGN_P12},                                   \
        {"sign-p12-pass-file", required_argument, NULL, CMD_OPT_SIGN_P12_PASS},                    \
        {"sign-chain", required_argument, NULL, CMD_OPT_SIGN_CHAIN},                               \
        {"tsa-url", required_argument, NULL, CMD_OPT_TSA_URL},                                     \
    {                                                                                              \
        "pdfa", required_argument, NULL, 'P'                                                       \
    }

/* Take option c (getopt's value) with its argument when it is one of the
 * common ones: 1 taken, 0 not a common option, -1 a bad value (the usage
 * error is printed: return EXIT_USAGE). */
int cmd_common_option(const struct cmd_entry *e, int c, const char *arg, struct cmd_common *o);
/* After the options: what the flags left unsaid taken from the environment
 * ($CERTIFICA_PDFA). 0, or -1 when a value is bad (the usage error is
 * printed: return EXIT_USAGE). */
int cmd_common_done(const struct cmd_entry *e, struct cmd_common *o);

/* The signing key named by the flags in o, else by the CERTIFICA_SIGN_*
 * and CERTIFICA_TSA_URL variables, loaded and checked. NULL when no key is
 * named (*failed 0) or when it cannot be used (*failed 1, the reason
 * printed as "certifica NAME: why", naming the file). Caller frees with
 * sign_key_free. */
struct sign_key *cmd_sign_key(const struct cmd_entry *e, const struct cmd_common *o, int *failed);

/* Draw a progress bar on a terminal f, over the line before:
 * "[####......] done/total  rate/s  ETA m:ss" and tail (may be NULL). */
void cmd_progress_bar(FILE *f, size_t done, size_t total, double rate, const char *tail);

/* Commands that stop cleanly at Ctrl-C (import, copy): after
 * cmd_catch_interrupts, SIGINT and SIGTERM set cmd_interrupted. */
extern volatile sig_atomic_t cmd_interrupted;
void cmd_catch_interrupts(void);
/* Seconds on the monotonic clock, for rates. */
double cmd_seconds(void);
struct issue;
/* The archive that import and rerender work on, from the common options
 * (store, links, template, locale, tenants, PDF/A, signing key): *sign gets
 * the key, to sign_key_free after issue_close. NULL when the key or the
 * archive cannot be used, the reason printed. */
struct issue *cmd_issue_open(const struct cmd_entry *e, const struct cmd_common *co,
                             struct sign_key **sign);
struct store;
/* With CERTIFICA_STATS=1 (for the benchmarks), one line on stderr with the
 * store's counters since start (cmd_seconds): renders, fsyncs and commits
 * with the time each took. */
void cmd_print_stats(struct store *st, double start);

/* An institution or school id as typed: a positive decimal integer. 0, or -1. */
int cmd_parse_id(const char *arg, int64_t *out);
/* A count as typed: decimal digits only, from lo to hi. 0, or -1. */
int cmd_parse_count(const char *arg, size_t lo, size_t hi, size_t *out);

extern const struct cmd_entry cmd_render_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_rerender_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_staff_entry;
extern const struct cmd_entry cmd_revoke_entry;
extern const struct cmd_entry cmd_tenants_entry;
extern const struct cmd_entry cmd_webhook_token_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_copy_entry;

#endif
