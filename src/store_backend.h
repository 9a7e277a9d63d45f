/* What a store backend provides (not part of the interface; callers include
 * store.h only): one function per call of store.h, in a struct store_ops, and
 * an open function that store.c picks by the location given to store_open.
 * Each backend's own struct starts with a struct store whose ops it sets. A
 * second backend is new files, store_<name>_*.c, plus its line in store.c.
 * Every operation keeps the contract store.h states for its call; st is never
 * NULL (store.c deals with a NULL store where store.h allows one). */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include <stddef.h>

#include "buf.h"
#include "store.h"

struct store_ops {
    void (*close)(struct store *st);
    const char *(*dir)(const struct store *st);
    void (*recovery_info)(const struct store *st, struct store_recovery *out);

    /* The put once store.c's look (peek) has said 0: it decides under its
     * own lock, as store_put says. */
    int (*put)(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
               struct store_result *res, char *err, size_t errlen);
    /* Optional (NULL: store_peek says 0, and every put goes to the lock). */
    int (*peek)(struct store *st, const struct store_fields *f, struct store_result *res);
    int (*batch_begin)(struct store *st, char *err, size_t errlen);
    int (*batch_end)(struct store *st, char *err, size_t errlen);
    /* Optional (NULL: a batch is its opener's alone; store_batch_join fails
     * and callers such as import --jobs work in one thread). */
    int (*batch_join)(struct store *st, char *err, size_t errlen);
    void (*batch_leave)(struct store *st);
    int (*get)(struct store *st, const struct store_scope *scope, const char *id,
               struct store_cert *out, char *err, size_t errlen);
    int (*get_by_code)(struct store *st, const char *code, struct store_cert *out, int *revision,
                       char *err, size_t errlen);
    /* May be NULL: store_pdf then reads the file at the revision's pdf_path. */
    int (*pdf)(struct store *st, const char *id, int revision, struct buf *out, char *err,
               size_t errlen);
    /* May be NULL: always reachable. */
    int (*ping)(struct store *st, char *err, size_t errlen);
    int (*find_file)(struct store *st, const char *sha256, struct store_file_match *out,
                     char *err, size_t errlen);
    int (*raw_event)(struct store *st, const char *id, int revision, struct buf *out, char *err,
                     size_t errlen);
    int (*rerender)(struct store *st, const struct store_rerender_filter *f, store_rerender_fn fn,
                    void *ctx, size_t *count, char *err, size_t errlen);
    int (*revoke)(struct store *st, const char *id, const char *reason, char *err, size_t errlen);
    int (*stats)(struct store *st, struct store_stats *out, char *err, size_t errlen);

    int (*search)(struct store *st, const struct store_query *q, struct store_page *out, char *err,
                  size_t errlen);
    int (*search_explain)(struct store *st, const struct store_query *q, struct buf *out, char *err,
                          size_t errlen);

    int (*staff_add)(struct store *st, const char *name, const struct store_scope *scope,
                     char token[64], char *err, size_t errlen);
    int (*staff_list)(struct store *st, struct store_staff **out, size_t *n, char *err,
                      size_t errlen);
    int (*staff_revoke)(struct store *st, const char *name, char *err, size_t errlen);
    int (*staff_check)(struct store *st, const char *token, char name[64],
                       struct store_scope *scope, char *err, size_t errlen);

    int (*webhook_token_add)(struct store *st, int64_t institution_id, const char *label,
                             char token[64], char *err, size_t errlen);
    int (*webhook_token_list)(struct store *st, struct store_webhook_token **out, size_t *n,
                              char *err, size_t errlen);
    int (*webhook_token_revoke)(struct store *st, const char *label, char *err, size_t errlen);
    int (*webhook_token_check)(struct store *st, const char *token, int64_t *institution_id,
                               char *err, size_t errlen);

    /* The audit log (store.h: store_audit_append, store_audit_each). A
     * backend keeps each record's line exactly as given and may index
     * r->time, r->institution_id and r->status to filter; records come back
     * in append order (PostgreSQL: a serial key), as audit_filter_match says. */
    int (*audit_append)(struct store *st, const struct audit_record *r, char *err, size_t errlen);
    int (*audit_each)(struct store *st, const struct audit_filter *f, audit_each_fn fn, void *ctx,
                      char *err, size_t errlen);

    /* Copying (store.h: store_cert_each, store_copy_read, store_copy_put,
     * store_cred_each, store_cred_put). cert_each hands fn what get gives
     * (revisions oldest first; pdf_path may be NULL for a backend without
     * files), by id in byte order. copy_read fills every field of
     * store_copy_rev from the index and the PDF's bytes. copy_put, in one
     * transaction: insert the certificate row when absent, else set its
     * fields, latest and revocation to c's; for each of revs, skip it when
     * (id, revision) exists with the same code, fail when it exists with
     * another, else insert it with exactly the given code, times, send_at,
     * superseded, generation (a backend with files may take the next
     * generation if that file name is taken), canonical, raw and PDF bytes
     * (the SHA-256 and size recorded are those of the bytes given); the
     * search text is derived again from c's fields. Durable on return.
     * cred_each / cred_put keep the digest, scope, times and revocation
     * exactly; cred_put inserts when no row has the digest, else sets a
     * missing revoked_at. */
    int (*cert_each)(struct store *st, store_cert_each_fn fn, void *ctx, char *err,
                     size_t errlen);
    int (*copy_read)(struct store *st, const char *id, int revision, struct store_copy_rev *out,
                     char *err, size_t errlen);
    int (*copy_put)(struct store *st, const struct store_cert *c,
                    const struct store_copy_rev *revs, size_t n, char *err, size_t errlen);
    int (*cred_each)(struct store *st, store_cred_each_fn fn, void *ctx, char *err,
                     size_t errlen);
    int (*cred_put)(struct store *st, const struct store_cred *c, char *err, size_t errlen);
};

/* The head of every backend's store. */
struct store {
    const struct store_ops *ops;
};

/* The backends built in, as store_open: the SQLite index and PDF files in a
 * folder (store_sqlite_open.c), and PostgreSQL (store_pg_open.c) for a
 * "postgresql://" or "postgres://" URI. */
struct store *store_sqlite_open(const char *dir, store_rerender_fn rerender_fn, void *rerender_ctx,
                                char *err, size_t errlen);
/* store_exists for a folder: 1 when its index is there, 0 when not. */
int store_sqlite_exists(const char *dir, char *err, size_t errlen);
/* store_exists for a database: 1 when its schema is there (nothing made). */
int store_pg_exists(const char *uri, char *err, size_t errlen);
struct store *store_pg_open(const char *uri, store_rerender_fn rerender_fn, void *rerender_ctx,
                            char *err, size_t errlen);

#endif
