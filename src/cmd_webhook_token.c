/* certifica webhook-token: add, list and revoke the webhook tokens of single
 * institutions. A delivery such a token authenticates may issue certificates
 * for its institution only; the token is printed once by `add` (with the URL
 * to paste into the platform) and kept in the archive only as its SHA-256. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store.h"
#include "banned.h"

static int token_add(struct store *st, int64_t institution, const char *label,
                     const char *public_url)
{
    char token[64], err[512];

    if (store_webhook_token_add(st, institution, label, token, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    printf("%s\n%s/webhooks?token=%s\n", token, public_url, token);
    fprintf(stderr,
            "certifica: webhook token for institution %" PRId64 ", shown only this once: paste "
            "the URL into the platform, or send the token as 'Authorization: Bearer TOKEN'\n",
            institution);
    memset(token, 0, sizeof(token));
    return EXIT_OK;
}

static int token_list(struct store *st)
{
    struct store_webhook_token *v = NULL;
    char err[512];
    size_t n = 0, width = 5;

    if (store_webhook_token_list(st, &v, &n, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (n == 0) {
        fprintf(stderr, "certifica: no webhook tokens yet; add one with 'certifica webhook-token "
                        "add --institution ID'\n");
        return EXIT_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i].label) > width)
            width = strlen(v[i].label);
    printf("%-*s  %-11s  %-19s  %s\n", (int)width, "LABEL", "INSTITUTION", "CREATED (UTC)",
           "REVOKED (UTC)");
    for (size_t i = 0; i < n; i++)
        printf("%-*s  %-11" PRId64 "  %-19s  %s\n", (int)width, v[i].label, v[i].institution_id,
               v[i].created_at, v[i].revoked_at[0] ? v[i].revoked_at : "-");
    free(v);
    return EXIT_OK;
}

static int token_revoke(struct store *st, const char *label)
{
    char err[512];
    int rc = store_webhook_token_revoke(st, label, err, sizeof(err));

    if (rc < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (rc == 1) {
        fprintf(stderr, "certifica: no active webhook token '%s' in '%s'\n", label, store_dir(st));
        return EXIT_RUNTIME;
    }
    printf("revoked webhook token '%s': deliveries with it now get 401\n", label);
    return EXIT_OK;
}

static int cmd_webhook_token(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'},
        {"public-url", required_argument, NULL, 'u'},
        {"institution", required_argument, NULL, 'i'},
        {"label", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    const struct cmd_entry *e = &cmd_webhook_token_entry;
    const char *store = NULL, *url = NULL, *label = NULL, *action;
    int64_t institution = 0;
    struct store *st;
    char err[1024];
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 's')
            store = optarg;
        else if (c == 'u')
            url = optarg;
        else if (c == 'L')
            label = optarg;
        else if (c != 'i' || cmd_parse_id(optarg, &institution) < 0)
            return cmd_usage_error(e,
                                   c == 'i' ? "--institution: expected a positive integer" : NULL);
    }
    if (optind >= argc)
        return cmd_usage_error(e, "missing action: add, list or revoke");
    action = argv[optind++];
    if (strcmp(action, "add") == 0) {
        if (argc != optind)
            return cmd_usage_error(e, "unexpected argument (the label goes in --label)");
        if (!institution)
            return cmd_usage_error(e, "add needs --institution ID");
        if (label && !store_staff_name_valid(label))
            return cmd_usage_error(e, "--label: use 1 to 63 letters, digits, '.', '_', '-' or '@'");
    } else if (strcmp(action, "revoke") == 0) {
        if (argc - optind != 1)
            return cmd_usage_error(e, "expected one LABEL");
        label = argv[optind];
    } else if (strcmp(action, "list") == 0) {
        if (argc != optind)
            return cmd_usage_error(e, "unexpected argument");
    } else {
        return cmd_usage_error(e, "unknown action: use add, list or revoke");
    }

    st = store_open(cmd_store_dir(store), NULL, NULL, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (strcmp(action, "add") == 0)
        rc = token_add(st, institution, label, cmd_public_url(url));
    else if (strcmp(action, "revoke") == 0)
        rc = token_revoke(st, label);
    else
        rc = token_list(st);
    store_close(st);
    return rc;
}

const struct cmd_entry cmd_webhook_token_entry = {
    "webhook-token",
    "webhook-token add --institution ID [--label L] | list | revoke LABEL [--store DIR] "
    "[--public-url URL]",
    "manage one institution's webhook tokens: add prints a token and its webhook URL once; a "
    "delivery with it may issue only for that institution",
    cmd_webhook_token,
};
