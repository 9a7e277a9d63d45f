/* Subcommands: each cmd_*.c exports one struct cmd_entry; main.c looks the
 * name up in its table (tmux's cmd-*.c, git's commands[]). */
#ifndef CMD_H
#define CMD_H

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

extern const struct cmd_entry cmd_render_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_rerender_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_staff_entry;
extern const struct cmd_entry cmd_revoke_entry;

#endif
