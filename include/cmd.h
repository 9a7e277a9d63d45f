/* Subcommands: each cmd_*.c exports one struct cmd_entry; main.c looks the
 * name up in its table (tmux's cmd-*.c, git's commands[]). */
#ifndef CMD_H
#define CMD_H

#include <stdint.h>

#include "i18n.h"

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
 * --tenants DIR. */
struct cmd_common {
    const char *store, *public_url, *template; /* NULL when not given */
    const char *tenants;                       /* NULL: $CERTIFICA_TENANTS, else home/tenants */
    enum i18n_locale locale;                   /* I18N_PT_BR unless given */
    int locale_given;                          /* --locale was given: it beats a tenant's */
    int pdfa_off;   /* --pdfa off, else $CERTIFICA_PDFA=off: plain PDFs (see cmd_common_done) */
    int pdfa_given; /* --pdfa was given */
};
/* Their getopt_long entries, to put first in a command's table; their short
 * values are 's', 'u', 't', 'l', 'T' and 'P'. */
#define CMD_COMMON_OPTIONS                                                                         \
    {"store", required_argument, NULL, 's'}, {"public-url", required_argument, NULL, 'u'},         \
        {"template", required_argument, NULL, 't'}, {"tenants", required_argument, NULL, 'T'},     \
        {"locale", required_argument, NULL, 'l'},                                                  \
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

/* An institution or school id as typed: a positive decimal integer. 0, or -1. */
int cmd_parse_id(const char *arg, int64_t *out);

extern const struct cmd_entry cmd_render_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_rerender_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_staff_entry;
extern const struct cmd_entry cmd_revoke_entry;
extern const struct cmd_entry cmd_tenants_entry;
extern const struct cmd_entry cmd_webhook_token_entry;

#endif
