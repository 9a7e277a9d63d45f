/* certifica import: archive many events (JSON Lines files, folders of .json
 * files) in durable batches, with a progress bar on a terminal. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "evsrc.h"
#include "issue.h"
#include "banned.h"

#define BATCH_DEFAULT 200

struct import_state {
    struct issue *is;
    size_t max; /* bytes of an event */
    size_t batch, in_batch;
    size_t total; /* events in all inputs, counted first on a terminal; 0: unknown */
    size_t seen, issued, unchanged, revised, stale, ignored, rejected, failed;
    int tty;
    double start, last_report;
    char err[1024];
};

static void progress(struct import_state *st, int final)
{
    double el = cmd_seconds() - st->start, rate = el > 0 ? (double)st->seen / el : 0;
    if (st->tty) {
        char tail[48];
        snprintf(tail, sizeof(tail), "  (%zu rejected)", st->rejected);
        cmd_progress_bar(stderr, st->seen, st->total, rate, tail);
        if (final)
            fputc('\n', stderr);
    } else if (final || el - st->last_report >= 2.0) {
        fprintf(stderr, "import: %zu events, %.0f/s\n", st->seen, rate);
        st->last_report = el;
    }
}

/* With CERTIFICA_STATS=1, one line on stderr with the store's counters (for
 * the benchmark: how much of the time went to fsync and to commits). */
static void print_stats(struct import_state *st)
{
    struct store_stats ss;
    const char *env = getenv("CERTIFICA_STATS");
    char err[512];

    if (!env || strcmp(env, "1") != 0)
        return;
    if (store_stats(issue_store(st->is), &ss, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        return;
    }
    fprintf(stderr,
            "stats: %" PRIu64 " renders, %" PRIu64 " fsyncs in %.2f s, %" PRIu64
            " commits in %.2f s, %.2f s elapsed\n",
            ss.renders, ss.fsyncs, ss.fsync_seconds, ss.commits, ss.commit_seconds,
            cmd_seconds() - st->start);
}

/* The ETA needs the total: on a terminal the inputs are read once to count
 * (a fraction of the time archiving takes). */
static int count_one(void *ctx, const struct evsrc_item *it)
{
    (void)it;
    (*(size_t *)ctx)++;
    return 0;
}

static int end_batch(struct import_state *st)
{
    if (!st->in_batch)
        return 0;
    st->in_batch = 0;
    if (issue_batch_end(st->is, st->err, sizeof(st->err)) < 0) {
        if (st->tty)
            fputc('\n', stderr);
        fprintf(stderr, "certifica: %s\n", st->err);
        return -1;
    }
    return 0;
}

static int import_one(void *ctx, const struct evsrc_item *it)
{
    struct import_state *st = ctx;
    struct issue_result r;
    char where[512];

    if (cmd_interrupted)
        return -1;
    if (it->too_large) {
        st->seen++;
        st->rejected++;
        if (st->tty)
            fputs("\r\033[K", stderr);
        evsrc_refuse(stderr, it);
        return 0;
    }
    if (!st->in_batch) {
        if (issue_batch_begin(st->is, st->err, sizeof(st->err)) < 0) {
            fprintf(stderr, "certifica: %s\n", st->err);
            return -1;
        }
        st->in_batch = 1;
    }
    issue_event(st->is, it->body, it->len, &r);
    st->seen++;
    if (st->tty && (r.status != ISSUE_STORED || r.diags.n_warnings))
        fputs("\r\033[K", stderr);
    evsrc_print_diags(stderr, it, &r.diags);
    switch (r.status) {
    case ISSUE_STORED:
        if (r.stored.outcome == STORE_ISSUED)
            st->issued++;
        else if (r.stored.outcome == STORE_UNCHANGED)
            st->unchanged++;
        else if (r.stored.outcome == STORE_STALE)
            st->stale++;
        else
            st->revised++;
        break;
    case ISSUE_IGNORED:
        st->ignored++;
        break;
    case ISSUE_BAD_JSON:
    case ISSUE_INVALID:
        st->rejected++;
        break;
    case ISSUE_FAILED:
        evsrc_where(it, where, sizeof(where));
        fprintf(stderr, "%s: %s\n", where, r.error);
        st->failed++;
        break;
    }
    issue_result_free(&r);
    if (++st->in_batch > st->batch && end_batch(st) < 0)
        return -1;
    if (st->tty ? st->seen % 50 == 0 : 1)
        progress(st, 0);
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_COMMON_OPTIONS,
        {"batch", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    struct import_state st = {0};
    struct issue_config cfg = {0};
    struct cmd_common co = {0};
    struct sign_key *sign;
    char err[1024];
    int c, rc = EXIT_OK, stopped = 0, bad_key;

    st.batch = BATCH_DEFAULT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if ((rc = cmd_common_option(&cmd_import_entry, c, optarg, &co)) != 0) {
            if (rc < 0)
                return EXIT_USAGE;
            continue;
        }
        switch (c) {
        case 'b':
            st.batch = strtoul(optarg, NULL, 10);
            if (st.batch < 1 || st.batch > 100000)
                return cmd_usage_error(&cmd_import_entry, "--batch: a number from 1 to 100000");
            break;
        default:
            return cmd_usage_error(&cmd_import_entry, NULL);
        }
    }
    if (optind >= argc)
        return cmd_usage_error(&cmd_import_entry, "no input: name EVENTS.jsonl or a folder");
    if (evsrc_max(&st.max, err, sizeof(err)) < 0)
        return cmd_usage_error(&cmd_import_entry, err);
    if (cmd_common_done(&cmd_import_entry, &co) < 0)
        return EXIT_USAGE;
    rc = EXIT_OK;
    cfg.store_dir = cmd_store_dir(co.store);
    cfg.public_url = cmd_public_url(co.public_url);
    cfg.template = co.template;
    cfg.locale = co.locale;
    cfg.tenants = co.tenants;
    cfg.locale_fixed = co.locale_given;
    cfg.sign = sign = cmd_sign_key(&cmd_import_entry, &co, &bad_key);
    if (bad_key)
        return EXIT_RUNTIME;
    cfg.pdfa_off = co.pdfa_off;
    st.is = issue_open(&cfg, err, sizeof(err));
    if (!st.is) {
        fprintf(stderr, "certifica: %s\n", err);
        sign_key_free(sign);
        return EXIT_RUNTIME;
    }
    cmd_catch_interrupts();
    st.tty = isatty(STDERR_FILENO);
    for (int i = optind; st.tty && i < argc; i++)
        if (evsrc_each(argv[i], 1, st.max, count_one, &st.total, err, sizeof(err)) < 0)
            break;
    st.start = cmd_seconds();
    for (int i = optind; i < argc && !stopped; i++) {
        int r = evsrc_each(argv[i], 1, st.max, import_one, &st, err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "%scertifica: %s\n", st.tty ? "\r\033[K" : "", err);
            rc = EXIT_RUNTIME;
        } else if (r > 0) {
            stopped = 1;
        }
    }
    if (end_batch(&st) < 0)
        rc = EXIT_RUNTIME;
    progress(&st, 1);
    printf("%zu events: %zu issued, %zu unchanged, %zu revised, %zu stale, %zu ignored, "
           "%zu rejected, %zu failed%s\n",
           st.seen, st.issued, st.unchanged, st.revised, st.stale, st.ignored, st.rejected,
           st.failed, cmd_interrupted ? " (interrupted: run again to go on)" : "");
    print_stats(&st);
    issue_close(st.is);
    sign_key_free(sign);
    if (cmd_interrupted)
        return 130;
    if (st.failed || rc == EXIT_RUNTIME)
        return EXIT_RUNTIME;
    return st.rejected ? EXIT_USAGE : EXIT_OK;
}

const struct cmd_entry cmd_import_entry = {
    "import",
    "import EVENTS.jsonl|DIR ... [--store DIR] [--public-url URL] [--template NAME|PATH] "
    "[--locale pt-BR|en] [--tenants DIR] [--pdfa 1b|off] [--batch N]",
    "archive many events in durable batches; a progress bar on a terminal",
    cmd_import,
};
