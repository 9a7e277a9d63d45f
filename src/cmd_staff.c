/* certifica staff: add, list and revoke the accounts staff sign in with. Each
 * account has a random token, printed once by `add` and kept in the archive
 * only as its SHA-256, and a scope: every certificate, or one institution's
 * (and one school's) only. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store.h"
#include "banned.h"

/* "all", "institution 7" or "institution 7, school 3". */
static void scope_text(const struct store_scope *sc, char *out, size_t n)
{
    if (!sc->institution_id)
        snprintf(out, n, "all");
    else if (!sc->school_id)
        snprintf(out, n, "institution %" PRId64, sc->institution_id);
    else
        snprintf(out, n, "institution %" PRId64 ", school %" PRId64, sc->institution_id,
                 sc->school_id);
}

static int staff_add(struct store *st, const char *name, const struct store_scope *sc)
{
    char token[64], err[512], scope[96];

    scope_text(sc, scope, sizeof(scope));
    if (store_staff_add_in(st, name, sc, token, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    printf("%s\n", token);
    fprintf(stderr,
            "certifica: token for '%s', shown only this once: send it as 'Authorization: Bearer "
            "TOKEN', or sign in with it as the password (user '%s'); it sees %s\n",
            name, name, sc->institution_id ? scope : "every certificate");
    return EXIT_OK;
}

static int staff_list(struct store *st)
{
    struct store_staff *v = NULL;
    char err[512];
    size_t n = 0, width = 4;
    char scope[96];

    if (store_staff_list(st, &v, &n, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (n == 0) {
        fprintf(stderr, "certifica: no staff accounts yet; add one with 'certifica staff add "
                        "NAME'\n");
        return EXIT_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i].name) > width)
            width = strlen(v[i].name);
    printf("%-*s  %-19s  %-19s  %s\n", (int)width, "NAME", "CREATED (UTC)", "REVOKED (UTC)",
           "SCOPE");
    for (size_t i = 0; i < n; i++) {
        scope_text(&v[i].scope, scope, sizeof(scope));
        printf("%-*s  %-19s  %-19s  %s\n", (int)width, v[i].name, v[i].created_at,
               v[i].revoked_at[0] ? v[i].revoked_at : "-", scope);
    }
    free(v);
    return EXIT_OK;
}

static int staff_revoke(struct store *st, const char *name)
{
    char err[512];
    int rc = store_staff_revoke(st, name, err, sizeof(err));

    if (rc < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (rc == 1) {
        fprintf(stderr, "certifica: no active staff account '%s' in '%s'\n", name, store_dir(st));
        return EXIT_RUNTIME;
    }
    printf("revoked staff account '%s': its token no longer signs in\n", name);
    return EXIT_OK;
}

static int cmd_staff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'},
        {"institution", required_argument, NULL, 'i'},
        {"school", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *store = NULL, *action, *name = NULL;
    struct store_scope sc = {0, 0};
    struct store *st;
    char err[1024];
    int c, rc, want;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 's')
            store = optarg;
        else if (c == 'i' && cmd_parse_id(optarg, &sc.institution_id) < 0)
            return cmd_usage_error(&cmd_staff_entry, "--institution: expected a positive integer");
        else if (c == 'c' && cmd_parse_id(optarg, &sc.school_id) < 0)
            return cmd_usage_error(&cmd_staff_entry, "--school: expected a positive integer");
        else if (c != 's' && c != 'i' && c != 'c')
            return cmd_usage_error(&cmd_staff_entry, NULL);
    }
    if (optind >= argc)
        return cmd_usage_error(&cmd_staff_entry, "missing action: add, list or revoke");
    action = argv[optind++];
    if (strcmp(action, "list") == 0)
        want = 0;
    else if (strcmp(action, "add") == 0 || strcmp(action, "revoke") == 0)
        want = 1;
    else
        return cmd_usage_error(&cmd_staff_entry, "unknown action: use add, list or revoke");
    if (argc - optind != want)
        return cmd_usage_error(&cmd_staff_entry,
                               want ? "expected one NAME" : "unexpected argument");
    if ((sc.institution_id || sc.school_id) && strcmp(action, "add") != 0)
        return cmd_usage_error(&cmd_staff_entry, "--institution and --school go with add only");
    if (sc.school_id && !sc.institution_id)
        return cmd_usage_error(&cmd_staff_entry, "--school needs --institution");
    if (want) {
        name = argv[optind];
        if (!store_staff_name_valid(name))
            return cmd_usage_error(&cmd_staff_entry,
                                   "NAME: use 1 to 63 letters, digits, '.', '_', '-' or '@'");
    }

    /* No renderer: an archive that needs PDFs made again after a crash is
     * refused with a message saying so (serve, import or rerender repair it). */
    st = store_open(cmd_store_dir(store), NULL, NULL, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (strcmp(action, "add") == 0)
        rc = staff_add(st, name, &sc);
    else if (strcmp(action, "revoke") == 0)
        rc = staff_revoke(st, name);
    else
        rc = staff_list(st);
    store_close(st);
    return rc;
}

const struct cmd_entry cmd_staff_entry = {
    "staff",
    "staff add|list|revoke [NAME] [--institution ID [--school ID]] [--store DIR]",
    "manage staff accounts: add prints a new sign-in token once (scoped to one institution "
    "or school with --institution, --school), revoke disables it",
    cmd_staff,
};
