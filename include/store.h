/* The archive behind one narrow interface: certificates, their revisions and
 * PDFs, found by id, by verification code, or by search. This header knows
 * no SQLite, no cJSON, no libharu: it deals in plain fields and bytes, so a
 * second backend (a database shared by many servers) is a new .c file.
 *
 * Thread safety: one struct store may be used by many threads at once; each
 * call is atomic. Durability: when store_put returns 0, the PDF and the index
 * row are on disk (fsync'd), unless inside a batch, where that holds once
 * store_batch_end returns 0. */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STORE_ID_MAX 40   /* bytes of an id, with the NUL */
#define STORE_CODE_MAX 24 /* bytes of a verification code, with the NUL */

enum store_outcome { STORE_ISSUED, STORE_UNCHANGED, STORE_REVISED };

/* What the index keeps of one event: plain, validated values. */
struct store_fields {
    int64_t institution_id, user_id, course_id, school_id;
    const char *user_name, *user_email, *user_cpf; /* cpf: digits or NULL */
    const char *course_name, *school_name, *workload; /* workload in words or raw */
    const char *type;                                  /* "participation" / "achievement" */
    const char *certified_at, *concluded_at, *enrolled_at; /* "yyyy-MM-dd HH:mm:ss"; enrolled may be NULL */
    int has_approval_rate;
    double approval_rate;
    const char *canonical;       /* decides unchanged vs revised */
    const char *raw;             /* the event body as received, archived with the revision */
    size_t raw_len;
};

/* What store_put hands the renderer before it writes anything. */
struct store_ticket {
    char id[STORE_ID_MAX];
    int revision;
    char code[STORE_CODE_MAX];
};

/* Make the PDF for a ticket: append it to pdf; 0, or -1 with err set. */
typedef int (*store_render_fn)(void *ctx, const struct store_ticket *t, struct buf *pdf,
                               char *err, size_t errlen);

struct store_result {
    struct store_ticket ticket;
    enum store_outcome outcome;
};

struct store_revision {
    int revision;
    char code[STORE_CODE_MAX];
    char created_at[20];     /* when archived, UTC "yyyy-MM-dd HH:mm:ss" */
    int superseded;          /* a later revision exists */
    char sha256[65];         /* of the PDF, hex */
    int64_t size;
    char *pdf_path;          /* absolute or store-relative path of the file */
};

struct store_cert {
    char id[STORE_ID_MAX];
    int64_t institution_id, user_id, course_id, school_id;
    char *user_name, *user_email, *user_cpf, *course_name, *school_name, *workload, *type;
    char certified_at[20], concluded_at[20], enrolled_at[20];
    int has_approval_rate;
    double approval_rate;
    int latest;              /* the latest revision number */
    int revoked;
    char *revoke_reason;
    char revoked_at[20];
    struct store_revision *revs; /* oldest first */
    size_t n_revs;
};

struct store;

/* Open (creating when absent) the archive in dir and recover from any crash:
 * temporary files removed, PDFs without a row removed, rows whose PDF is
 * missing or damaged re-made with rerender_fn (may be NULL: then reported as
 * an error). Refuses, with a clear err, an index it cannot read. */
struct store *store_open(const char *dir, store_render_fn rerender_fn, void *rerender_ctx,
                         char *err, size_t errlen);
void store_close(struct store *st);

/* Archive one event: same canonical content as the latest revision ->
 * STORE_UNCHANGED (nothing written, fn not called); otherwise a new revision
 * with a fresh code, fn called once to make the PDF, file and row written
 * durably, and the outcome STORE_ISSUED (revision 1) or STORE_REVISED.
 * 0, or -1 with err set (nothing half-written is left behind). */
int store_put(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
              struct store_result *res, char *err, size_t errlen);

/* Group puts into one index transaction; durable when batch_end returns 0. */
int store_batch_begin(struct store *st, char *err, size_t errlen);
int store_batch_end(struct store *st, char *err, size_t errlen);

/* 0 found (free with store_cert_free), 1 not found, -1 error. */
int store_get(struct store *st, const char *id, struct store_cert *out, char *err, size_t errlen);
/* Case-insensitive, dashes optional. Also says which revision the code is. */
int store_get_by_code(struct store *st, const char *code, struct store_cert *out, int *revision,
                      char *err, size_t errlen);
void store_cert_free(struct store_cert *c);

/* The archived raw event of a revision (for rerender): 0, 1 not found, -1. */
int store_raw_event(struct store *st, const char *id, int revision, struct buf *out, char *err,
                    size_t errlen);

#endif
