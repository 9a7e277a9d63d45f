/* certifica: look the subcommand up and run it. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "banned.h"

static const struct cmd_entry *const commands[] = {
    &cmd_render_entry, &cmd_validate_entry, &cmd_import_entry,
    &cmd_serve_entry,  &cmd_rerender_entry, &cmd_staff_entry,
    &cmd_revoke_entry, &cmd_tenants_entry,  &cmd_webhook_token_entry,
    &cmd_audit_entry,  &cmd_copy_entry,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fputs("usage: certifica COMMAND [ARGS]\n\ncommands:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  certifica %s\n      %s\n", commands[i]->usage, commands[i]->help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i]->name))
            return commands[i]->exec(argc - 1, argv + 1);
    fprintf(stderr, "certifica: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
