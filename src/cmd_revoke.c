/* certifica revoke: mark a certificate revoked, with a reason shown on its
 * public verification page. The certificate stays in the archive. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "store.h"
#include "utf8.h"
#include "banned.h"

#define REASON_MAX 500 /* characters */

/* The reason is printed on public pages: one line of valid UTF-8, not blank,
 * at most REASON_MAX characters. NULL when fine, else what is wrong. */
static const char *reason_problem(const char *r)
{
    size_t n = strlen(r), i = 0, chars = 0, blank = 1;
    uint32_t cp;

    while (i < n) {
        size_t len = utf8_decode(r + i, n - i, &cp);
        if (len == 0)
            return "--reason: not valid UTF-8";
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return "--reason: must be one line without control characters";
        if (cp != ' ')
            blank = 0;
        chars++;
        i += len;
    }
    if (blank)
        return "--reason: must not be empty";
    if (chars > REASON_MAX)
        return "--reason: too long (at most 500 characters)";
    return NULL;
}

/* Which certificate: an id, or a verification code as printed on it. */
static int resolve(struct store *st, const char *arg, char id[STORE_ID_MAX], struct store_cert *c,
                   char *err, size_t errlen)
{
    int rc;

    if (store_id_valid(arg)) {
        snprintf(id, STORE_ID_MAX, "%s", arg);
        rc = store_get(st, id, c, err, errlen);
    } else {
        rc = store_get_by_code(st, arg, c, NULL, err, errlen);
        if (rc == 0)
            snprintf(id, STORE_ID_MAX, "%s", c->id);
    }
    if (rc == 1)
        snprintf(err, errlen, "no certificate '%s' in '%s'", arg, store_dir(st));
    return rc;
}

static int cmd_revoke(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"reason", required_argument, NULL, 'r'},
        {"store", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *store = NULL, *reason = NULL, *arg, *problem;
    char id[STORE_ID_MAX], norm[STORE_CODE_MAX], err[1024];
    struct store_cert c = {0};
    struct store *st;
    int opt, rc = EXIT_RUNTIME, found;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'r')
            reason = optarg;
        else if (opt == 's')
            store = optarg;
        else
            return cmd_usage_error(&cmd_revoke_entry, NULL);
    }
    if (argc - optind != 1)
        return cmd_usage_error(&cmd_revoke_entry,
                               optind >= argc ? "missing ID" : "expected one ID");
    arg = argv[optind];
    if (!store_id_valid(arg) && store_code_normalize(arg, norm) < 0)
        return cmd_usage_error(&cmd_revoke_entry,
                               "ID: expected a certificate id (16 characters of a-z and 2-7) or a "
                               "verification code (XXXXX-XXXXX-XXXXX)");
    if (!reason)
        return cmd_usage_error(&cmd_revoke_entry,
                               "missing --reason TEXT (it is shown on the verification page)");
    if ((problem = reason_problem(reason)))
        return cmd_usage_error(&cmd_revoke_entry, problem);

    st = store_open(cmd_store_dir(store), NULL, NULL, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    found = resolve(st, arg, id, &c, err, sizeof(err));
    if (found != 0) {
        fprintf(stderr, "certifica: %s\n", err);
        goto out;
    }
    if (c.revoked) {
        printf("%s was already revoked on %s UTC: %s\n", id, c.revoked_at,
               c.revoke_reason ? c.revoke_reason : "");
        rc = EXIT_OK;
        goto out;
    }
    found = store_revoke(st, id, reason, err, sizeof(err));
    if (found == 1)
        snprintf(err, sizeof(err), "no certificate '%s' in '%s'", id, store_dir(st));
    if (found != 0) {
        fprintf(stderr, "certifica: %s\n", err);
        goto out;
    }
    printf("revoked %s r%d (%s, %s): %s\n", id, c.latest, c.user_name, c.course_name, reason);
    rc = EXIT_OK;
out:
    store_cert_free(&c);
    store_close(st);
    return rc;
}

const struct cmd_entry cmd_revoke_entry = {
    "revoke",
    "revoke ID|CODE --reason TEXT [--store DIR]",
    "mark a certificate revoked; it stays in the archive and verifies as revoked",
    cmd_revoke,
};
