/* certifica import: archive many events (JSON Lines files, folders of .json
 * files) in durable batches, with a progress bar on a terminal. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "event.h"
#include "evsrc.h"
#include "issue.h"
#include "jobs.h"
#include "banned.h"

#define BATCH_DEFAULT 200

/* One event of the batch being gathered, with what archiving it gave. */
struct job {
    struct evsrc_item it; /* file, body: copies */
    struct issue_result r;
    int done;
};

/* The certificate an event names, to keep two events of one certificate
 * out of one batch (they must be archived in input order). */
struct cert_key {
    int64_t inst, user, course;
};

struct import_state {
    struct issue *is;
    size_t max; /* bytes of an event */
    size_t batch, jobs;
    struct job *pending; /* the batch being gathered, in input order */
    size_t n_pending, cap_pending, n_events; /* n_events: those not too large */
    struct cert_key *keys;                   /* a hash set of their certificates */
    size_t cap_keys;
    size_t total; /* events in all inputs, counted first on a terminal; 0: unknown */
    size_t seen, issued, unchanged, revised, stale, ignored, rejected, failed;
    int tty, broken; /* broken: a batch failed, the import stopped */
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

/* The ETA needs the total: on a terminal the inputs are read once to count
 * (a fraction of the time archiving takes). */
static int count_one(void *ctx, const struct evsrc_item *it)
{
    (void)it;
    (*(size_t *)ctx)++;
    return 0;
}

struct batch_run {
    struct import_state *st;
    struct job *jobs;
    size_t n;
    atomic_size_t next; /* the next job to take: jobs are taken in input order */
};

static int key_seen(struct import_state *st, const struct cert_key *k)
{
    uint64_t h = (uint64_t)k->inst * 0x9e3779b97f4a7c15u ^ (uint64_t)k->user * 0xc2b2ae3d27d4eb4fu ^
                 (uint64_t)k->course * 0x165667b19e3779f9u;
    for (size_t i = (size_t)h & (st->cap_keys - 1);; i = (i + 1) & (st->cap_keys - 1)) {
        struct cert_key *s = &st->keys[i];
        if (s->inst == 0) {
            *s = *k;
            return 0;
        }
        if (s->inst == k->inst && s->user == k->user && s->course == k->course)
            return 1;
    }
}

static void take_jobs(struct batch_run *b)
{
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n || cmd_interrupted)
            return;
        if (!b->jobs[i].it.too_large)
            issue_event(b->st->is, b->jobs[i].it.body, b->jobs[i].it.len, &b->jobs[i].r);
        b->jobs[i].done = 1;
    }
}

/* A helper thread: a member of the batch its opener holds open. */
static void *helper(void *arg)
{
    struct batch_run *b = arg;
    char err[256];
    if (store_batch_join(issue_store(b->st->is), err, sizeof(err)) < 0)
        return NULL; /* the other threads take its share */
    take_jobs(b);
    store_batch_leave(issue_store(b->st->is));
    return NULL;
}

/* Say what archiving one event gave, as the counts and messages do. */
static void report(struct import_state *st, struct job *j)
{
    struct issue_result *r = &j->r;
    char where[512];

    st->seen++;
    if (j->it.too_large) {
        st->rejected++;
        if (st->tty)
            fputs("\r\033[K", stderr);
        evsrc_refuse(stderr, &j->it);
        return;
    }
    if (st->tty && (r->status != ISSUE_STORED || r->diags.n_warnings))
        fputs("\r\033[K", stderr);
    evsrc_print_diags(stderr, &j->it, &r->diags);
    switch (r->status) {
    case ISSUE_STORED:
        if (r->stored.outcome == STORE_ISSUED)
            st->issued++;
        else if (r->stored.outcome == STORE_UNCHANGED)
            st->unchanged++;
        else if (r->stored.outcome == STORE_STALE)
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
        evsrc_where(&j->it, where, sizeof(where));
        fprintf(stderr, "%s: %s\n", where, r->error);
        st->failed++;
        break;
    }
}

/* Archive the gathered events in one batch, st->jobs threads at once, then
 * say what each gave in input order and commit. -1 when the batch could not
 * be opened or committed. */
static int run_batch(struct import_state *st)
{
    struct batch_run b = {st, st->pending, st->n_pending, 0};
    pthread_t tid[JOBS_MAX];
    size_t helpers = 0;
    int rc = 0;

    if (st->n_events && issue_batch_begin(st->is, st->err, sizeof(st->err)) < 0) {
        fprintf(stderr, "certifica: %s\n", st->err);
        rc = -1;
        goto out;
    }
    for (; st->n_events && helpers + 1 < st->jobs && helpers < st->n_events - 1; helpers++)
        if (pthread_create(&tid[helpers], NULL, helper, &b) != 0)
            break;
    take_jobs(&b);
    for (size_t i = 0; i < helpers; i++)
        pthread_join(tid[i], NULL);
    for (size_t i = 0; i < b.n && b.jobs[i].done; i++) {
        report(st, &b.jobs[i]);
        if (st->tty && st->seen % 50 == 0)
            progress(st, 0);
    }
    if (st->n_events && issue_batch_end(st->is, st->err, sizeof(st->err)) < 0) {
        if (st->tty)
            fputc('\n', stderr);
        fprintf(stderr, "certifica: %s\n", st->err);
        rc = -1;
    } else if (!st->tty) {
        progress(st, 0); /* "N events" only once they are durable */
    }
out:
    for (size_t i = 0; i < st->n_pending; i++) {
        free((char *)st->pending[i].it.body);
        free((char *)st->pending[i].it.file);
        issue_result_free(&st->pending[i].r);
    }
    st->n_pending = st->n_events = 0;
    memset(st->keys, 0, st->cap_keys * sizeof(*st->keys));
    return rc;
}

/* Gather one event; a full batch, or one that already names the event's
 * certificate, is archived first. */
static int import_one(void *ctx, const struct evsrc_item *it)
{
    struct import_state *st = ctx;
    struct job *j;

    if (cmd_interrupted)
        return -1;
    if (!it->too_large) {
        struct event ev;
        struct event_diags d;
        struct cert_key k = {0, 0, 0};
        if (event_parse(it->body, it->len, &ev, &d) == EVENT_OK)
            k = (struct cert_key){ev.institution_id, ev.user_id, ev.course_id};
        event_free(&ev);
        event_diags_free(&d);
        if ((st->n_events == st->batch || (k.inst > 0 && key_seen(st, &k))) &&
            run_batch(st) < 0) {
            st->broken = 1;
            return -1;
        }
        if (k.inst > 0 && st->n_events == 0)
            key_seen(st, &k);
        st->n_events++;
    }
    if (st->n_pending == st->cap_pending) {
        st->cap_pending = st->cap_pending ? 2 * st->cap_pending : 64;
        st->pending = xrealloc(st->pending, st->cap_pending * sizeof(*st->pending));
    }
    j = &st->pending[st->n_pending++];
    memset(j, 0, sizeof(*j));
    j->it = *it;
    j->it.file = xstrdup(it->file);
    if (it->body) {
        char *body = xmalloc(it->len + 1);
        memcpy(body, it->body, it->len + 1);
        j->it.body = body;
    }
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_COMMON_OPTIONS,
        {"batch", required_argument, NULL, 'b'},
        {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct import_state st = {0};
    struct cmd_common co = {0};
    struct sign_key *sign;
    char err[1024];
    int c, rc = EXIT_OK, stopped = 0;

    st.batch = BATCH_DEFAULT;
    st.jobs = jobs_cores();
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if ((rc = cmd_common_option(&cmd_import_entry, c, optarg, &co)) != 0) {
            if (rc < 0)
                return EXIT_USAGE;
            continue;
        }
        switch (c) {
        case 'b':
            if (cmd_parse_count(optarg, 1, 100000, &st.batch) < 0)
                return cmd_usage_error(&cmd_import_entry, "--batch: a number from 1 to 100000");
            break;
        case 'j':
            if (cmd_parse_count(optarg, 1, JOBS_MAX, &st.jobs) < 0)
                return cmd_usage_error(&cmd_import_entry, "--jobs: a number from 1 to 256");
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
    st.is = cmd_issue_open(&cmd_import_entry, &co, &sign);
    if (!st.is)
        return EXIT_RUNTIME;
    if (st.jobs > 1 && !store_batch_joinable(issue_store(st.is))) {
        fprintf(stderr, "certifica: this store cannot share a batch between threads: "
                        "importing with --jobs 1\n");
        st.jobs = 1;
    }
    for (st.cap_keys = 16; st.cap_keys < 2 * st.batch;)
        st.cap_keys *= 2;
    st.keys = xmalloc(st.cap_keys * sizeof(*st.keys));
    memset(st.keys, 0, st.cap_keys * sizeof(*st.keys));
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
    if (!st.broken && run_batch(&st) < 0)
        rc = EXIT_RUNTIME;
    free(st.pending);
    free(st.keys);
    progress(&st, 1);
    printf("%zu events: %zu issued, %zu unchanged, %zu revised, %zu stale, %zu ignored, "
           "%zu rejected, %zu failed%s\n",
           st.seen, st.issued, st.unchanged, st.revised, st.stale, st.ignored, st.rejected,
           st.failed, cmd_interrupted ? " (interrupted: run again to go on)" : "");
    cmd_print_stats(issue_store(st.is), st.start);
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
    "[--locale pt-BR|en] [--tenants DIR] [--pdfa 1b|off] [--batch N] [--jobs N]",
    "archive many events in durable batches, N at once; a progress bar on a terminal",
    cmd_import,
};
