/* certifica audit: print the webhook audit records a store keeps, as JSON
 * Lines, oldest first, filtered by day, institution and status. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "caltime.h"
#include "cmd.h"
#include "store.h"
#include "banned.h"

/* "N" (100..599) or a class "2xx": 0 and the range, or -1. */
static int parse_status(const char *arg, int *lo, int *hi)
{
    size_t n = strlen(arg);
    if (n == 3 && arg[0] >= '1' && arg[0] <= '5' && (arg[1] == 'x' || arg[1] == 'X') &&
        (arg[2] == 'x' || arg[2] == 'X')) {
        *lo = (arg[0] - '0') * 100;
        *hi = *lo + 99;
        return 0;
    }
    if (n == 3 && arg[0] >= '1' && arg[0] <= '5' && arg[1] >= '0' && arg[1] <= '9' &&
        arg[2] >= '0' && arg[2] <= '9') {
        *lo = *hi = (arg[0] - '0') * 100 + (arg[1] - '0') * 10 + (arg[2] - '0');
        return 0;
    }
    return -1;
}

static int print_record(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    (void)ctx;
    if (fwrite(r->line, 1, r->len, stdout) != r->len || putchar('\n') == EOF) {
        snprintf(err, errlen, "cannot write the records: standard output failed");
        return -1;
    }
    return 0;
}

static int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"since", required_argument, NULL, 'd'},
        {"institution", required_argument, NULL, 'i'},
        {"status", required_argument, NULL, 'x'},
        {"store", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct audit_filter f;
    struct caltime day;
    const char *store = NULL;
    char err[1024];
    struct store *st;
    int opt, rc = EXIT_RUNTIME;

    memset(&f, 0, sizeof(f));
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (strlen(optarg) != 10 || caltime_parse_date(optarg, &day) < 0)
                return cmd_usage_error(&cmd_audit_entry,
                                       "--since: expected a day as yyyy-MM-dd (UTC)");
            memcpy(f.since, optarg, 11);
            break;
        case 'i':
            if (cmd_parse_id(optarg, &f.institution_id) < 0)
                return cmd_usage_error(&cmd_audit_entry,
                                       "--institution: expected a positive integer");
            break;
        case 'x':
            if (parse_status(optarg, &f.status_min, &f.status_max) < 0)
                return cmd_usage_error(&cmd_audit_entry,
                                       "--status: expected a status (201) or a class (2xx, 4xx, 5xx)");
            break;
        case 's':
            store = optarg;
            break;
        case 'h':
            printf("usage: certifica %s\n", cmd_audit_entry.usage);
            return EXIT_OK;
        default:
            return cmd_usage_error(&cmd_audit_entry, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage_error(&cmd_audit_entry, "unexpected argument");
    store = cmd_store_dir(store);
    switch (store_exists(store, err, sizeof(err))) {
    case 1:
        break;
    case 0:
        fprintf(stderr, "certifica: no store at '%s'\n", store);
        return EXIT_RUNTIME;
    default:
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    st = store_open(store, NULL, NULL, err, sizeof(err));
    if (!st) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (store_audit_each(st, &f, print_record, NULL, err, sizeof(err)) < 0 ||
        fflush(stdout) == EOF) {
        fprintf(stderr, "certifica: %s\n", err[0] ? err : "cannot write the records");
        goto out;
    }
    rc = EXIT_OK;
out:
    store_close(st);
    return rc;
}

const struct cmd_entry cmd_audit_entry = {
    "audit",
    "audit [--since yyyy-MM-dd] [--institution ID] [--status N|2xx|4xx|5xx] [--store DIR]",
    "print the webhook audit records as JSON Lines, oldest first",
    cmd_audit,
};
