/* The audit log: one JSON line per webhook call, accepted or not. A struct
 * audit formats each line (never a secret; CPF-like digit runs masked by
 * log_mask_cpf) and hands it to its sink: either its own files, or a sink
 * the caller gives (the server's store, store_audit_append).
 * Files: <dir>/audit/audit-YYYY-MM-DD.jsonl (UTC days). When the day changes
 * the previous day's file is gzip-compressed (audit-YYYY-MM-DD.jsonl.gz) and
 * the plain file removed. audit_each reads both kinds back.
 * Thread safety: one struct audit may be shared by every thread; file writes
 * are serialised by a mutex and each line goes out in one write(2). */
#ifndef AUDIT_H
#define AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct audit_entry {
    const char *peer;    /* client address, or NULL */
    const char *method;  /* "POST", or NULL */
    const char *slug;    /* event.slug, or NULL */
    const char *cert_id; /* certificate id, or NULL */
    int revision;        /* 0: none */
    const char *outcome; /* "issued", "unchanged", "revised", "ignored", or NULL */
    int status;          /* HTTP status sent, 0 when none (client gone) */
    const char *error;   /* why it was refused, or NULL */
    double duration_ms;
    unsigned count; /* calls this line stands for: 0 or 1 one, more an aggregate (see README) */
    int64_t institution_id; /* the institution the delivery was for; 0: not known */
};

/* One formatted line, with what sinks file it under and filters test.
 * line is one JSON object without the newline; its "time", "institution_id"
 * and "status" members say the same as the fields here. */
struct audit_record {
    char time[25];          /* UTC, "yyyy-MM-ddTHH:mm:ss.mmmZ" */
    int64_t institution_id; /* 0: none */
    int status;             /* HTTP status, 0 when none */
    const char *line;
    size_t len;
};

/* Which records to read back. All zero: every record. */
struct audit_filter {
    char since[11];         /* "yyyy-MM-dd": records of that UTC day or later; "" all */
    int64_t institution_id; /* 0: any */
    int status_min, status_max; /* both inclusive; 0, 0: any */
};

/* A sink for formatted lines: 0, or -1 with err set. */
typedef int (*audit_sink_fn)(void *ctx, const struct audit_record *r, char *err, size_t errlen);
/* Called for each record read back, oldest first: 0 to go on, -1 to stop
 * (with err set). */
typedef int (*audit_each_fn)(void *ctx, const struct audit_record *r, char *err, size_t errlen);

/* The clock, injectable for tests: fills *now with the wall-clock time. */
typedef void (*audit_clock_fn)(void *ctx, struct timespec *now);

struct audit;

/* Open the file log under store_dir/audit (created, mode 0700), compressing
 * plain files of earlier days left by a previous run. clock NULL: the real
 * time. NULL with err set on failure. Free with audit_close. */
struct audit *audit_open(const char *store_dir, audit_clock_fn clock, void *clock_ctx, char *err,
                         size_t errlen);
/* A log whose lines go to sink(sink_ctx, ...) instead of files (sink is
 * called from many threads at once and must be thread-safe). Never fails. */
struct audit *audit_open_sink(audit_sink_fn sink, void *sink_ctx, audit_clock_fn clock,
                              void *clock_ctx);
void audit_close(struct audit *a);

/* Format one call and hand it to the sink; for the file log, append it,
 * rotating first when the day changed. 0, or -1 with err (the caller logs
 * it; a failed audit write does not fail the request). */
int audit_write(struct audit *a, const struct audit_entry *e, char *err, size_t errlen);
/* File log only: append a line formatted elsewhere (r->line, no newline) to
 * the file of r->time's day, rotating when that day is not the open file's.
 * One write(2) per line. 0, or -1 with err. */
int audit_append(struct audit *a, const struct audit_record *r, char *err, size_t errlen);

/* Read back the records of the file log under store_dir/audit that f lets
 * through (NULL: all), day by day, each day's compressed file before its
 * plain one, lines in the order written; a last line without its newline
 * (being written) is left out. No audit folder: none. 0, or -1 with err (a
 * file that cannot be read, or fn's). */
int audit_each(const char *store_dir, const struct audit_filter *f, audit_each_fn fn, void *ctx,
               char *err, size_t errlen);
/* Whether f lets r through (NULL: yes). */
int audit_filter_match(const struct audit_filter *f, const struct audit_record *r);
/* Parse a line into r (r->line and r->len point into line): 0, or -1 when it
 * is not an audit line (JSON object with a "time" of the right shape). */
int audit_record_parse(const char *line, size_t len, struct audit_record *r);

#endif
