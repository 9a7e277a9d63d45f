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

    int (*put)(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
               struct store_result *res, char *err, size_t errlen);
    int (*batch_begin)(struct store *st, char *err, size_t errlen);
    int (*batch_end)(struct store *st, char *err, size_t errlen);
    int (*get)(struct store *st, const struct store_scope *scope, const char *id,
               struct store_cert *out, char *err, size_t errlen);
    int (*get_by_code)(struct store *st, const char *code, struct store_cert *out, int *revision,
                       char *err, size_t errlen);
    /* May be NULL: store_pdf then reads the file at the revision's pdf_path. */
    int (*pdf)(struct store *st, const char *id, int revision, struct buf *out, char *err,
               size_t errlen);
    /* May be NULL: always reachable. */
    int (*ping)(struct store *st, char *err, size_t errlen);
    int (*raw_event)(struct store *st, const char *id, int revision, struct buf *out, char *err,
                     size_t errlen);
    int (*rerender)(struct store *st, const char *since, store_rerender_fn fn, void *ctx,
                    size_t *count, char *err, size_t errlen);
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
struct store *store_pg_open(const char *uri, store_rerender_fn rerender_fn, void *rerender_ctx,
                            char *err, size_t errlen);

#endif
