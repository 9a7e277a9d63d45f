/* The audit log: one JSON line per webhook call, accepted or not, in
 * <store>/audit/audit-YYYY-MM-DD.jsonl (UTC days). When the day changes the
 * previous day's file is gzip-compressed (audit-YYYY-MM-DD.jsonl.gz) and the
 * plain file removed. Never holds a secret; CPF-like digit runs are masked
 * (log_mask_cpf).
 * Thread safety: one struct audit may be shared by every thread; writes are
 * serialised by a mutex and each line goes out in one write(2). */
#ifndef AUDIT_H
#define AUDIT_H

#include <stddef.h>
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
};

/* The clock, injectable for tests: fills *now with the wall-clock time. */
typedef void (*audit_clock_fn)(void *ctx, struct timespec *now);

struct audit;

/* Open the log under store_dir/audit (created, mode 0700), compressing
 * plain files of earlier days left by a previous run. clock NULL: the real
 * time. NULL with err set on failure. Free with audit_close. */
struct audit *audit_open(const char *store_dir, audit_clock_fn clock, void *clock_ctx, char *err,
                         size_t errlen);
void audit_close(struct audit *a);

/* Append one line, rotating first when the day changed. 0, or -1 with err
 * (the caller logs it; a failed audit write does not fail the request). */
int audit_write(struct audit *a, const struct audit_entry *e, char *err, size_t errlen);

#endif
