/* Internals of the PostgreSQL store backend, shared by its files:
 * store_pg_conn.c (the connection pool, prepared statements, errors),
 * store_pg_schema.c (schema made or upgraded under an advisory lock),
 * store_pg_sql.c (the prepared statements),
 * store_pg_open.c (open, close, the operations table), store_pg_put.c
 * (puts, batches, revocation), store_pg_rerender.c, store_pg_query.c
 * (reads), store_pg_search.c (the staff listing), store_pg_staff.c (staff
 * accounts and webhook tokens), store_pg_audit.c (the audit records),
 * store_pg_copy.c and store_pg_cred.c (certifica copy). Not part of the
 * store interface.
 *
 * Many processes may share one database: one certificate per event is kept
 * by the database alone (the unique keys, and a row lock on the certificate
 * taken by every put before it decides), never by a lock of this process. */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "audit.h"
#include "store.h"
#include "store_backend.h"
#include "store_group.h"
#include "store_int.h"

#define STORE_PG_SCHEMA_VERSION 4
#define STORE_PG_MAX_PARAMS 32 /* parameters of one statement */
#define STORE_PG_POOL_MAX 64         /* connections per store, made as threads need them */
#define STORE_PG_CONNECT_TIMEOUT "3" /* seconds, unless the URI says otherwise */

/* Statements prepared on every connection when it is made. */
enum store_pg_q {
    Q_CLAIM,     /* insert the certificate's row unless there, then lock it */
    Q_LOCK,      /* lock the certificate's row, read its triple and latest */
    Q_LATEST,    /* canonical, send_at and code of a revision */
    Q_EARLIER,   /* an earlier revision with this canonical? */
    Q_CERT_SET,  /* the latest revision's fields on the certificate */
    Q_SUPERSEDE, /* older revisions superseded */
    Q_REVISION,  /* a new revision */
    Q_FILE,      /* its PDF */
    Q_REVOKE,
    Q_EXISTS,
    Q_GET,
    Q_REVS,
    Q_BY_CODE,
    Q_RAW,
    Q_PDF,
    Q_SAME, /* the latest revision's code when its canonical is this one */
    Q_FIND_FILE,
    Q_REPLACED, /* a re-made file's predecessor into earlier_files */
    Q_AUDIT_ADD,
    Q_COUNT
};

struct store_pg_conn {
    PGconn *pg;
    int busy;
};

struct store_pg {
    struct store base; /* first: ops, see store_backend.h */

    char *conninfo; /* as given: handed to libpq only, never printed */
    char *label;    /* the URI without user and password, for messages */

    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct store_pg_conn pool[STORE_PG_POOL_MAX];
    int n_pool;

    /* The batch: its thread holds gate for writing from begin to end (every
     * other write holds it for reading), and the batch's connection. */
    pthread_rwlock_t gate;
    pthread_mutex_t batch_mu;
    int batch_active;
    pthread_t batch_owner;
    PGconn *batch_conn;
    int batch_failed;
    char batch_err[200];

    struct store_group audit_group; /* audit records queued (store_pg_audit.c) */

    struct store_recovery rec;
    _Atomic uint64_t renders, commits, commit_ns;
};

static inline struct store_pg *store_pg_of(struct store *st)
{
    return (struct store_pg *)st;
}

/* --- store_pg_conn.c ---------------------------------------------------- */

/* A connection from the pool, made (and its statements prepared) when none
 * is free and the pool is not full; waits otherwise. NULL with err when the
 * database cannot be reached within the connection timeout. */
PGconn *store_pg_get(struct store_pg *st, char *err, size_t errlen);
/* Give it back; a broken connection (the database restarted) is closed, so
 * that the next call makes a new one. */
void store_pg_put(struct store_pg *st, PGconn *pg);
/* A new connection (not pooled) with the statements prepared. */
PGconn *store_pg_connect(struct store_pg *st, int prepare, char *err, size_t errlen);
/* "cannot <what> database 'label': message" (the server's first line). */
void store_pg_error(const struct store_pg *st, PGconn *pg, const PGresult *r, const char *what,
                    char *err, size_t errlen);
/* Run SQL with no parameters; 0, or -1 with err. */
int store_pg_exec(struct store_pg *st, PGconn *pg, const char *sql, const char *what, char *err,
                  size_t errlen);
/* Run a prepared statement with text parameters (NULL: SQL NULL; lens: a
 * binary parameter of that length when not 0, may be NULL). The result, to
 * PQclear, or NULL with err when it did not give want (PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK). */
PGresult *store_pg_run(struct store_pg *st, PGconn *pg, enum store_pg_q q, int n,
                       const char *const *v, const int *lens, ExecStatusType want, const char *what,
                       char *err, size_t errlen);
/* The same for SQL made on the spot (text parameters only). */
PGresult *store_pg_query(struct store_pg *st, PGconn *pg, const char *sql, int n,
                         const char *const *v, const char *what, char *err, size_t errlen);
/* One statement of a pipeline: a prepared one (q, with n text parameters
 * v, lens as for store_pg_run) or, when sql is set, SQL without parameters;
 * the status it must give, and where its result goes (NULL: cleared). */
struct store_pg_step {
    enum store_pg_q q;
    const char *sql;
    int n;
    const char *const *v;
    const int *lens;
    ExecStatusType want;
    PGresult **out;
};
/* Send the n statements at once and read their results: one round trip
 * instead of n. 0 when each gave its status (the results asked for are in
 * *out, to PQclear), else -1 with err, the first error's, none kept, and
 * store_pg_was_unique telling whether a unique key refused it. */
int store_pg_pipeline(struct store_pg *st, PGconn *pg, const struct store_pg_step *s, int n,
                      const char *what, char *err, size_t errlen);
/* A field copied (NULL stays NULL; free it) or into a fixed buffer. */
char *store_pg_dup(const PGresult *r, int row, int col);
void store_pg_copy(const PGresult *r, int row, int col, char *out, size_t outlen);
int64_t store_pg_int(const PGresult *r, int row, int col);
/* 1 when the error of r is SQLSTATE state (such as "23505", unique). */
int store_pg_state(const PGresult *r, const char *state);
/* 1 when the last failed store_pg_run or store_pg_query of this thread was
 * refused by a unique key. */
int store_pg_was_unique(void);
void store_pg_count(_Atomic uint64_t *counter, uint64_t n);

/* --- the other files -------------------------------------------------- */

/* Make or upgrade the schema to STORE_PG_SCHEMA_VERSION under an advisory
 * lock; refuse a newer one (store_pg_schema.c). */
int store_pg_schema_ready(struct store_pg *st, PGconn *pg, char *err, size_t errlen);
/* The SQL of a prepared statement (store_pg_sql.c). */
const char *store_pg_sql(enum store_pg_q q);
/* The search text of a row (store_pg_search.c): its name, e-mail, CPF and
 * course name as words separated by single spaces, the fields by " | ",
 * before the database folds case and accents; and its CJK bigrams, "" when
 * none. Both to free(). */
void store_pg_search_text(const struct store_fields *f, char **doc, char **grams);

/* The operations of struct store_ops (store_pg_open.c fills the table). */
int store_pg_peek_op(struct store *st, const struct store_fields *f, struct store_result *res);
int store_pg_put_op(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
                    struct store_result *res, char *err, size_t errlen);
int store_pg_batch_begin(struct store *st, char *err, size_t errlen);
int store_pg_batch_end(struct store *st, char *err, size_t errlen);
int store_pg_revoke(struct store *st, const char *id, const char *reason, char *err, size_t errlen);
int store_pg_rerender(struct store *st, const struct store_rerender_filter *f,
                      store_rerender_fn fn, void *ctx, size_t *count, char *err, size_t errlen);
int store_pg_get_op(struct store *st, const struct store_scope *scope, const char *id,
                    struct store_cert *out, char *err, size_t errlen);
int store_pg_get_by_code(struct store *st, const char *code, struct store_cert *out, int *revision,
                         char *err, size_t errlen);
int store_pg_raw_event(struct store *st, const char *id, int revision, struct buf *out, char *err,
                       size_t errlen);
int store_pg_pdf(struct store *st, const char *id, int revision, struct buf *out, char *err,
                 size_t errlen);
int store_pg_find_file(struct store *st, const char *sha256, struct store_file_match *out,
                       char *err, size_t errlen);
int store_pg_ping(struct store *st, char *err, size_t errlen);
int store_pg_stats(struct store *st, struct store_stats *out, char *err, size_t errlen);
int store_pg_search(struct store *st, const struct store_query *q, struct store_page *out,
                    char *err, size_t errlen);
int store_pg_search_explain(struct store *st, const struct store_query *q, struct buf *out,
                            char *err, size_t errlen);
int store_pg_staff_add(struct store *st, const char *name, const struct store_scope *scope,
                       char token[64], char *err, size_t errlen);
int store_pg_staff_list(struct store *st, struct store_staff **out, size_t *n, char *err,
                        size_t errlen);
int store_pg_staff_revoke(struct store *st, const char *name, char *err, size_t errlen);
int store_pg_staff_check(struct store *st, const char *token, char name[64],
                         struct store_scope *scope, char *err, size_t errlen);
int store_pg_webhook_token_add(struct store *st, int64_t institution_id, const char *label,
                               char token[64], char *err, size_t errlen);
int store_pg_webhook_token_list(struct store *st, struct store_webhook_token **out, size_t *n,
                                char *err, size_t errlen);
int store_pg_webhook_token_revoke(struct store *st, const char *label, char *err, size_t errlen);
int store_pg_webhook_token_check(struct store *st, const char *token, int64_t *institution_id,
                                 char *err, size_t errlen);
int store_pg_audit_append(struct store *st, const struct audit_record *r, char *err,
                          size_t errlen);
int store_pg_audit_each(struct store *st, const struct audit_filter *f, audit_each_fn fn,
                        void *ctx, char *err, size_t errlen);
int store_pg_cert_each(struct store *st, store_cert_each_fn fn, void *ctx, char *err,
                       size_t errlen);
int store_pg_copy_read(struct store *st, const char *id, int revision, struct store_copy_rev *out,
                       char *err, size_t errlen);
int store_pg_copy_put(struct store *st, const struct store_cert *c,
                      const struct store_copy_rev *revs, size_t n, char *err, size_t errlen);
int store_pg_cred_each(struct store *st, store_cred_each_fn fn, void *ctx, char *err,
                       size_t errlen);
int store_pg_cred_put(struct store *st, const struct store_cred *c, char *err, size_t errlen);

/* Helpers of the writers (store_pg_put.c), for rerender and copy: whether
 * this thread holds the batch, and the connection for a write (the batch's,
 * or a pooled one with the gate held for reading), given back with
 * store_pg_writer_put. */
int store_pg_owns_batch(struct store_pg *st);
PGconn *store_pg_writer_get(struct store_pg *st, int owner, char *err, size_t errlen);
void store_pg_writer_put(struct store_pg *st, int owner, PGconn *pg);
/* A query made on the spot whose parameters may be binary (lens[i] > 0:
 * bytes of that length; lens may be NULL), text results. */
PGresult *store_pg_query_bin(struct store_pg *st, PGconn *pg, const char *sql, int n,
                             const char *const *v, const int *lens, const char *what, char *err,
                             size_t errlen);
/* A bytea field of a text result, decoded, appended to out. 0, or -1. */
int store_pg_bytes(const PGresult *r, int row, int col, struct buf *out);

#endif
