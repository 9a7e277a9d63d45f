/* certifica rerender: make the PDFs of the latest revisions again from their
 * archived events (after a template change, say, or one institution's
 * rebrand), as new files. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "caltime.h"
#include "cmd.h"
#include "issue.h"
#include "jobs.h"
#include "banned.h"

static int cmd_rerender(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_COMMON_OPTIONS,
        {"since", required_argument, NULL, 'S'},
        {"institution", required_argument, NULL, 'I'},
        {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct cmd_common co = {0};
    struct store_rerender_filter filter = {NULL, 0, 0};
    char *end;
    struct caltime t;
    struct issue *is;
    struct sign_key *sign;
    char err[1024];
    size_t count = 0;
    double start;
    int c, rc;

    filter.jobs = jobs_cores();
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if ((rc = cmd_common_option(&cmd_rerender_entry, c, optarg, &co)) != 0) {
            if (rc < 0)
                return EXIT_USAGE;
            continue;
        }
        switch (c) {
        case 'S':
            if (caltime_parse_date(optarg, &t) < 0)
                return cmd_usage_error(&cmd_rerender_entry,
                                       "--since: expected a date 'yyyy-MM-dd'");
            filter.since = optarg;
            break;
        case 'I':
            errno = 0;
            filter.institution_id = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || filter.institution_id <= 0)
                return cmd_usage_error(&cmd_rerender_entry,
                                       "--institution: expected an institution id > 0");
            break;
        case 'j':
            if (cmd_parse_count(optarg, 1, JOBS_MAX, &filter.jobs) < 0)
                return cmd_usage_error(&cmd_rerender_entry, "--jobs: a number from 1 to 256");
            break;
        default:
            return cmd_usage_error(&cmd_rerender_entry, NULL);
        }
    }
    if (optind < argc)
        return cmd_usage_error(&cmd_rerender_entry, "unexpected argument");
    if (cmd_common_done(&cmd_rerender_entry, &co) < 0)
        return EXIT_USAGE;
    is = cmd_issue_open(&cmd_rerender_entry, &co, &sign);
    if (!is)
        return EXIT_RUNTIME;
    start = cmd_seconds();
    rc = issue_rerender(is, &filter, &count, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "certifica: %s\n", err);
    printf("%zu certificates re-made\n", count);
    cmd_print_stats(issue_store(is), start);
    issue_close(is);
    sign_key_free(sign);
    return rc < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct cmd_entry cmd_rerender_entry = {
    "rerender",
    "rerender [--since yyyy-MM-dd] [--institution ID] [--jobs N] [--template NAME|PATH] [--locale pt-BR|en] "
    "[--tenants DIR] [--pdfa 1b|off] [--store DIR] [--sign-cert FILE --sign-key FILE | "
    "--sign-p12 FILE] [--tsa-url URL]",
    "make the latest PDFs again from the archived events, as new files",
    cmd_rerender,
};
