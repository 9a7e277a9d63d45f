/* certifica copy: move a whole archive from one store to another (a folder
 * or a database, either way): certificates with every revision and its PDF,
 * revocations, staff accounts, webhook tokens, audit records. Resumable:
 * what the destination has already is skipped. Ends by comparing counts and
 * every PDF's SHA-256 on both sides. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmd.h"
#include "jobs.h"
#include "store.h"
#include "banned.h"

/* Certificates to one commit of a folder store: the first batches are small,
 * so that a small archive is not one batch, then they double. */
#define COPY_BATCH_FIRST 16
#define COPY_BATCH_MAX 512

struct copy_state {
    struct store *src, *dst;
    size_t jobs;
    char (*ids)[STORE_ID_MAX]; /* the source's certificates, by id */
    size_t n_ids, cap_ids;
    size_t first; /* the jobs' index 0 is ids[first] */
    /* The jobs share what follows (the audit fields aside): under mu. */
    pthread_mutex_t mu;
    int tty;
    const char *phase; /* "copy" or "check" */
    size_t total, done;
    size_t certs_copied, certs_kept, revs_copied, creds, audits;
    size_t pdfs_checked, pdfs_bad;
    double start, last_report;
    /* The audit records: how many the destination has, and its last one. */
    size_t audit_have, audit_seen;
    char *audit_last;
};

static void progress(struct copy_state *cs, int final)
{
    double el = cmd_seconds() - cs->start, rate = el > 0 ? (double)cs->done / el : 0;
    char tail[48];
    if (cs->tty) {
        snprintf(tail, sizeof(tail), "  %s", cs->phase);
        cmd_progress_bar(stderr, cs->done, cs->total, rate, tail);
        if (final)
            fputc('\n', stderr);
    } else if (final || el - cs->last_report >= 2.0) {
        fprintf(stderr, "%s: %zu/%zu certificates, %.0f/s\n", cs->phase, cs->done, cs->total,
                rate);
        cs->last_report = el;
    }
}

static void tick(struct copy_state *cs)
{
    pthread_mutex_lock(&cs->mu);
    cs->done++;
    if (cs->tty ? cs->done % 20 == 0 : 1)
        progress(cs, 0);
    pthread_mutex_unlock(&cs->mu);
}

/* 1 when the destination's certificate d is already all of s. */
static int same_cert(const struct store_cert *s, const struct store_cert *d)
{
    if (s->latest != d->latest || s->n_revs != d->n_revs || !s->revoked != !d->revoked)
        return 0;
    for (size_t i = 0; i < s->n_revs; i++)
        if (s->revs[i].revision != d->revs[i].revision ||
            strcmp(s->revs[i].code, d->revs[i].code) != 0 ||
            strcmp(s->revs[i].sha256, d->revs[i].sha256) != 0)
            return 0;
    return 1;
}

/* The revision numbered revision in c, or NULL. */
static const struct store_revision *rev_of(const struct store_cert *c, int revision)
{
    for (size_t i = 0; i < c->n_revs; i++)
        if (c->revs[i].revision == revision)
            return &c->revs[i];
    return NULL;
}

static int copy_cert(void *ctx, const struct store_cert *c, char *err, size_t errlen)
{
    struct copy_state *cs = ctx;
    struct store_cert d = {0};
    struct store_copy_rev *revs = NULL;
    size_t n = 0;
    int have, rc = -1;

    if (cmd_interrupted) {
        snprintf(err, errlen, "cmd_interrupted");
        return -1;
    }
    have = store_get(cs->dst, c->id, &d, err, errlen);
    if (have < 0)
        return -1;
    if (have == 0 && same_cert(c, &d)) {
        pthread_mutex_lock(&cs->mu);
        cs->certs_kept++;
        pthread_mutex_unlock(&cs->mu);
        rc = 0;
        goto out;
    }
    revs = xcalloc(c->n_revs + 1, sizeof(*revs));
    for (size_t i = 0; i < c->n_revs; i++) {
        const struct store_revision *dr = have == 0 ? rev_of(&d, c->revs[i].revision) : NULL;
        int got;
        if (dr && strcmp(dr->code, c->revs[i].code) == 0)
            continue; /* there already; copy_put would leave it as it is */
        got = store_copy_read(cs->src, c->id, c->revs[i].revision, &revs[n], err, errlen);
        if (got == 1)
            snprintf(err, errlen, "'%s' r%d vanished from the source while copying", c->id,
                     c->revs[i].revision);
        if (got != 0)
            goto out;
        n++;
    }
    if (store_copy_put(cs->dst, c, revs, n, err, errlen) < 0)
        goto out;
    pthread_mutex_lock(&cs->mu);
    cs->certs_copied++;
    cs->revs_copied += n;
    pthread_mutex_unlock(&cs->mu);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        store_copy_rev_free(&revs[i]);
    free(revs);
    store_cert_free(&d);
    if (rc == 0)
        tick(cs);
    return rc;
}

static int copy_cred(void *ctx, const struct store_cred *c, char *err, size_t errlen)
{
    struct copy_state *cs = ctx;
    if (store_cred_put(cs->dst, c, err, errlen) < 0)
        return -1;
    cs->creds++;
    return 0;
}

static int count_audit(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    struct copy_state *cs = ctx;
    (void)err;
    (void)errlen;
    cs->audit_have++;
    free(cs->audit_last);
    cs->audit_last = xstrndup(r->line, r->len);
    return 0;
}

/* The destination's first audit_have records must be the source's first
 * ones (an earlier run's copy): the rest are appended. */
static int copy_audit(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    struct copy_state *cs = ctx;
    if (cmd_interrupted) {
        snprintf(err, errlen, "cmd_interrupted");
        return -1;
    }
    if (++cs->audit_seen <= cs->audit_have) {
        if (cs->audit_seen == cs->audit_have &&
            (strlen(cs->audit_last) != r->len || memcmp(cs->audit_last, r->line, r->len) != 0)) {
            snprintf(err, errlen,
                     "the destination's audit records are not a copy of the source's first %zu",
                     cs->audit_have);
            return -1;
        }
        return 0;
    }
    if (store_audit_append(cs->dst, r, err, errlen) < 0)
        return -1;
    cs->audits++;
    return 0;
}

static void sha256_hex(const struct buf *b, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = '\0';
    if (!EVP_Digest(b->data ? b->data : "", b->len, md, &n, EVP_sha256(), NULL))
        return;
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Every revision of c: its PDF's bytes hashed on both sides, and what the
 * destination says of it. A mismatch is reported and counted, not fatal. */
static int check_cert(void *ctx, const struct store_cert *c, char *err, size_t errlen)
{
    struct copy_state *cs = ctx;
    if (cmd_interrupted) {
        snprintf(err, errlen, "cmd_interrupted");
        return -1;
    }
    for (size_t i = 0; i < c->n_revs; i++) {
        struct store_copy_rev a, b;
        char ha[65], hb[65];
        int ra = store_copy_read(cs->src, c->id, c->revs[i].revision, &a, err, errlen);
        int rb = ra < 0 ? -1 : store_copy_read(cs->dst, c->id, c->revs[i].revision, &b, err, errlen);
        if (ra < 0 || rb < 0) {
            if (ra == 0)
                store_copy_rev_free(&a);
            return -1;
        }
        sha256_hex(&a.pdf, ha);
        if (rb == 0)
            sha256_hex(&b.pdf, hb);
        pthread_mutex_lock(&cs->mu);
        cs->pdfs_checked++;
        if (rb == 1) {
            fprintf(stderr, "%scertifica: '%s' r%d is missing from the destination\n",
                    cs->tty ? "\r\033[K" : "", c->id, c->revs[i].revision);
            cs->pdfs_bad++;
        } else {
            if (strcmp(ha, hb) != 0 || strcmp(a.code, b.code) != 0 ||
                strcmp(a.created_at, b.created_at) != 0 || a.superseded != b.superseded) {
                fprintf(stderr,
                        "%scertifica: '%s' r%d differs: PDF SHA-256 %s in the source, %s in the "
                        "destination\n",
                        cs->tty ? "\r\033[K" : "", c->id, c->revs[i].revision, ha, hb);
                cs->pdfs_bad++;
            }
            store_copy_rev_free(&b);
        }
        pthread_mutex_unlock(&cs->mu);
        store_copy_rev_free(&a);
    }
    tick(cs);
    return 0;
}

static int collect_id(void *ctx, const struct store_cert *c, char *err, size_t errlen)
{
    struct copy_state *cs = ctx;
    (void)err;
    (void)errlen;
    if (cs->n_ids == cs->cap_ids) {
        cs->cap_ids = cs->cap_ids ? 2 * cs->cap_ids : 1024;
        cs->ids = xrealloc(cs->ids, cs->cap_ids * sizeof(*cs->ids));
    }
    snprintf(cs->ids[cs->n_ids++], STORE_ID_MAX, "%s", c->id);
    return 0;
}

/* The certificate of the i-th id, as the source has it now, to fn: a job of
 * the copy or of the check. 1 done, -1 failed. */
static int one_cert(struct copy_state *cs, size_t i, store_cert_each_fn fn, char *err,
                    size_t errlen)
{
    const char *id = cs->ids[cs->first + i];
    struct store_cert c = {0};
    int rc = store_get(cs->src, id, &c, err, errlen);

    if (rc == 1)
        snprintf(err, errlen, "'%s' vanished from the source while copying", id);
    if (rc == 0)
        rc = fn(cs, &c, err, errlen);
    store_cert_free(&c);
    return rc == 0 ? 1 : -1;
}

static int copy_job(void *ctx, size_t i, char *err, size_t errlen)
{
    return one_cert(ctx, i, copy_cert, err, errlen);
}

static int join_dst(void *ctx)
{
    char err[256];
    return store_batch_join(((struct copy_state *)ctx)->dst, err, sizeof(err));
}

static void leave_dst(void *ctx)
{
    store_batch_leave(((struct copy_state *)ctx)->dst);
}

/* Copy every certificate of ids, cs->jobs at once. A destination that can
 * share a batch between threads (a folder) takes them a batch to a commit:
 * a batch is all in or all out, and what a failure or an interruption leaves
 * uncopied the next run copies. A database commits each as it comes. */
static int copy_all(struct copy_state *cs, char *err, size_t errlen)
{
    int joinable = store_batch_joinable(cs->dst), rc = 0;
    size_t batch = COPY_BATCH_FIRST, n;
    char err2[512];

    for (cs->first = 0; cs->first < cs->n_ids && rc == 0; cs->first += n) {
        n = cs->n_ids - cs->first < batch ? cs->n_ids - cs->first : batch;
        if (batch < COPY_BATCH_MAX)
            batch *= 2;
        if (joinable && store_batch_begin(cs->dst, err, errlen) < 0)
            return -1;
        rc = jobs_run_with(n, cs->jobs, copy_job, joinable ? join_dst : NULL,
                           joinable ? leave_dst : NULL, cs, NULL, err, errlen);
        /* what the batch holds is whole certificates: they stay, also on failure */
        if (joinable && store_batch_end(cs->dst, rc < 0 ? err2 : err,
                                        rc < 0 ? sizeof(err2) : errlen) < 0)
            rc = -1;
    }
    cs->first = 0;
    return rc;
}

static int check_job(void *ctx, size_t i, char *err, size_t errlen)
{
    return one_cert(ctx, i, check_cert, err, errlen);
}

struct counts {
    struct store_stats s;
    size_t staff, tokens, audit;
};

static int count_cred(void *ctx, const struct store_cred *c, char *err, size_t errlen)
{
    struct counts *n = ctx;
    (void)err;
    (void)errlen;
    if (c->kind == STORE_CRED_STAFF)
        n->staff++;
    else
        n->tokens++;
    return 0;
}

static int count_record(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    (void)r;
    (void)err;
    (void)errlen;
    ((struct counts *)ctx)->audit++;
    return 0;
}

static int count_all(struct store *st, struct counts *n, char *err, size_t errlen)
{
    memset(n, 0, sizeof(*n));
    if (store_stats(st, &n->s, err, errlen) < 0 ||
        store_cred_each(st, count_cred, n, err, errlen) < 0 ||
        store_audit_each(st, NULL, count_record, n, err, errlen) < 0)
        return -1;
    return 0;
}

/* Print the counts side by side: 0 when they agree, else 1. */
static int report(const struct counts *a, const struct counts *b)
{
    const char *names[] = {"certificates",   "revisions",      "revoked",
                           "staff accounts", "webhook tokens", "audit records"};
    int64_t va[] = {a->s.certificates, a->s.revisions, a->s.revoked,
                    (int64_t)a->staff, (int64_t)a->tokens, (int64_t)a->audit};
    int64_t vb[] = {b->s.certificates, b->s.revisions, b->s.revoked,
                    (int64_t)b->staff, (int64_t)b->tokens, (int64_t)b->audit};
    int bad = 0;
    printf("%-16s %12s %12s\n", "", "source", "destination");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        printf("%-16s %12" PRId64 " %12" PRId64 "%s\n", names[i], va[i], vb[i],
               va[i] == vb[i] ? "" : "  differ");
        bad |= va[i] != vb[i];
    }
    return bad;
}

/* 1 when a and b are one folder (both exist), else 0. */
static int same_folder(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int same_location(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    while (na > 1 && a[na - 1] == '/')
        na--;
    while (nb > 1 && b[nb - 1] == '/')
        nb--;
    return (na == nb && memcmp(a, b, na) == 0) || same_folder(a, b);
}

static int run(struct copy_state *cs, char *err, size_t errlen)
{
    struct counts a, b;
    int bad;

    if (count_all(cs->src, &a, err, errlen) < 0)
        return EXIT_RUNTIME;
    cs->total = (size_t)a.s.certificates;
    cs->phase = "copy";
    cs->start = cmd_seconds();
    /* certificates archived at the source meanwhile are for the next run */
    if (store_cert_each(cs->src, collect_id, cs, err, errlen) < 0 ||
        copy_all(cs, err, errlen) < 0)
        goto fail;
    progress(cs, 1);
    if (store_cred_each(cs->src, copy_cred, cs, err, errlen) < 0 ||
        store_audit_each(cs->dst, NULL, count_audit, cs, err, errlen) < 0 ||
        store_audit_each(cs->src, NULL, copy_audit, cs, err, errlen) < 0)
        goto fail;
    if (cs->audit_seen < cs->audit_have) {
        snprintf(err, errlen, "the destination has %zu audit records, the source %zu",
                 cs->audit_have, cs->audit_seen);
        goto fail;
    }
    printf("copied %zu certificates (%zu revisions), %zu were there already; %zu staff accounts "
           "and webhook tokens; %zu new audit records\n",
           cs->certs_copied, cs->revs_copied, cs->certs_kept, cs->creds, cs->audits);

    cs->phase = "check";
    cs->done = 0;
    cs->start = cmd_seconds();
    cs->last_report = 0;
    if (jobs_run(cs->n_ids, cs->jobs, check_job, cs, NULL, err, errlen) < 0)
        goto fail;
    progress(cs, 1);
    if (count_all(cs->src, &a, err, errlen) < 0 || count_all(cs->dst, &b, err, errlen) < 0)
        goto fail;
    bad = report(&a, &b);
    printf("PDFs: %zu of %zu SHA-256 equal\n", cs->pdfs_checked - cs->pdfs_bad, cs->pdfs_checked);
    if (bad || cs->pdfs_bad) {
        snprintf(err, errlen, "the destination differs from the source (see above)");
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
fail:
    if (cs->tty)
        fputc('\n', stderr);
    if (cmd_interrupted)
        snprintf(err, errlen,
                 "interrupted: %zu certificates copied; run the same command again to finish",
                 cs->certs_copied);
    return EXIT_RUNTIME;
}

static int cmd_copy(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct copy_state cs;
    const char *from = NULL, *to = NULL;
    char err[1024];
    int opt, rc = EXIT_RUNTIME;

    memset(&cs, 0, sizeof(cs));
    cs.jobs = jobs_cores();
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'f')
            from = optarg;
        else if (opt == 't')
            to = optarg;
        else if (opt == 'j') {
            if (cmd_parse_count(optarg, 1, JOBS_MAX, &cs.jobs) < 0)
                return cmd_usage_error(&cmd_copy_entry, "--jobs: a number from 1 to 256");
        } else if (opt == 'h') {
            printf("usage: certifica %s\n", cmd_copy_entry.usage);
            return EXIT_OK;
        } else
            return cmd_usage_error(&cmd_copy_entry, NULL);
    }
    if (optind != argc)
        return cmd_usage_error(&cmd_copy_entry, "unexpected argument");
    if (!from || !*from || !to || !*to)
        return cmd_usage_error(&cmd_copy_entry, !from || !*from ? "missing --from SRC"
                                                                : "missing --to DST");
    if (same_location(from, to))
        return cmd_usage_error(&cmd_copy_entry, "--from and --to name the same store");
    if (store_check_location(from, err, sizeof(err)) < 0 ||
        store_check_location(to, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica copy: %s\n", err);
        return EXIT_USAGE;
    }
    switch (store_exists(from, err, sizeof(err))) {
    case 1:
        break;
    case 0:
        /* A URI is never repeated: it may hold a password. */
        fprintf(stderr, "certifica copy: --from: no store at '%s'\n",
                strstr(from, "://") ? "(the URI given)" : from);
        return EXIT_RUNTIME;
    default:
        fprintf(stderr, "certifica copy: --from: %s\n", err);
        return EXIT_RUNTIME;
    }
    cs.src = store_open(from, NULL, NULL, err, sizeof(err));
    if (!cs.src) {
        fprintf(stderr, "certifica copy: --from: %s\n", err);
        return EXIT_RUNTIME;
    }
    cs.dst = store_open(to, NULL, NULL, err, sizeof(err));
    if (!cs.dst) {
        fprintf(stderr, "certifica copy: --to: %s\n", err);
        goto out;
    }
    cmd_catch_interrupts();
    pthread_mutex_init(&cs.mu, NULL);
    cs.tty = isatty(STDERR_FILENO);
    err[0] = '\0';
    rc = run(&cs, err, sizeof(err));
    if (rc != EXIT_OK)
        fprintf(stderr, "certifica copy: %s\n", err);
    pthread_mutex_destroy(&cs.mu);
out:
    free(cs.ids);
    free(cs.audit_last);
    store_close(cs.dst);
    store_close(cs.src);
    return rc;
}

const struct cmd_entry cmd_copy_entry = {
    "copy",
    "copy --from SRC --to DST [--jobs N]",
    "copy a whole archive into another store (a folder or a database), resumably, and check it",
    cmd_copy,
};
