/* Internals of the SQLite store backend, shared by its files:
 * store_sqlite_db.c (the helpers below, which call nothing above them),
 * store_sqlite_schema.c (schema and upgrades), store_sqlite_recover.c (crash
 * recovery, rerender), store_sqlite_put.c (writes), store_sqlite_query.c
 * (reads), store_sqlite_search.c (the staff listing), store_sqlite_staff.c
 * (staff accounts), store_sqlite_audit.c (the audit log), store_sqlite_copy.c
 * and store_sqlite_cred.c (copying), store_sqlite_group.c (group commit) and
 * store_sqlite_open.c (open and close). Not part of the
 * store interface: other modules include store.h only.
 *
 * Locks, always taken in this order: the batch gate (a counter, not held),
 * a stripe of the id, the group commit queue's lock (gc; never held while
 * taking db_mu), db_mu (the writer connection). A reader connection is
 * taken from the pool without holding any of them. */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"
#include "store_backend.h"
#include "store_group.h"
#include "store_int.h"

#define STORE_STRIPES 256 /* per-id serialisation of puts and re-makes */
#define STORE_READERS 4   /* read-only connections for get, search, stats */
#define STORE_SCHEMA_VERSION 7

/* A revision's send_at as SQL, for the revisions table as "r": its column,
 * else (rows archived before schema 3) the send_at of its archived raw event
 * when that is a well-formed time; NULL when unknown. */
#define STORE_SQLITE_RAW_SEND_AT "json_extract(CAST(r.raw AS TEXT), '$.event.send_at')"
#define STORE_SQLITE_SEND_AT                                                                       \
    "COALESCE(r.send_at, CASE WHEN json_valid(CAST(r.raw AS TEXT)) THEN CASE "                     \
    "WHEN " STORE_SQLITE_RAW_SEND_AT " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] "          \
    "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' THEN " STORE_SQLITE_RAW_SEND_AT " END END)"

/* Statements prepared once on the writer connection. */
enum store_sqlite_wq {
    W_LATEST,
    W_EARLIER,
    W_CODE,
    W_CERT,
    W_SUPERSEDE,
    W_REVISION,
    W_REV_PATH,
    W_REMAKE_GET,
    W_REMAKE_SET,
    W_REMAKE_EXPIRY,
    W_REPLACED,
    W_REVOKE,
    W_EXISTS,
    W_COUNT
};

/* One put's rows, as store_sqlite_write_rows writes them and the group
 * commit queues them. */
struct store_sqlite_rows {
    struct store_group_item item; /* first: the group commit's queue */
    const struct store_fields *f;
    const struct store_ticket *t;
    const char *rel, *sha; /* the placed file and its SHA-256 */
    int64_t size;
    int gen;
    struct store_dirset *dirs; /* folders to fsync before the commit */
    /* The group commit's outcome. */
    int rc;
    char *err;
    size_t errlen;
};

struct store_sqlite {
    struct store base; /* first: ops, see store_backend.h */

    char *dir;        /* as given, without trailing slashes */
    char *index_path; /* dir + "/index.sqlite" */
    int lock_fd;      /* dir + "/lock", flock'd shared (exclusive while recovering) */

    pthread_mutex_t db_mu; /* the writer connection and wq */
    sqlite3 *db;
    sqlite3_stmt *wq[W_COUNT];

    pthread_mutex_t rd_mu; /* the reader pool */
    pthread_cond_t rd_cv;
    sqlite3 *rd[STORE_READERS];
    int rd_busy[STORE_READERS];

    pthread_mutex_t stripes[STORE_STRIPES];

    pthread_mutex_t gate_mu; /* the batch gate */
    pthread_cond_t gate_cv;
    int batch_active, batch_waiting, inflight;
    int batch_members; /* threads joined to the open batch (store_batch_join) */
    pthread_t batch_owner;
    /* Of the open batch: batch_dirs and batch_files under db_mu (its owner
     * and joined threads put at once). */
    int batch_failed; /* SQLite rolled the batch back on its own */
    char batch_err[160];
    struct store_dirset batch_dirs; /* folders to fsync before the commit */
    char **batch_files;             /* files placed, removed if the batch fails */
    size_t n_batch_files, cap_batch_files;

    struct store_group gc; /* the group commit queue */

    struct store_recovery rec;
    pthread_mutex_t audit_mu; /* opening the audit log */
    struct audit *audit;      /* the audit files, NULL until the first record */
    _Atomic uint64_t renders, fsyncs, fsync_ns, commits, commit_ns;
};

static inline struct store_sqlite *store_sqlite_of(struct store *st)
{
    return (struct store_sqlite *)st;
}

/* --- store_sqlite_db.c ------------------------------------------------- */

/* "cannot <what> index 'x': msg", or "index 'x' is damaged: msg". */
void store_sqlite_error(const struct store_sqlite *st, sqlite3 *db, const char *what, char *err,
                        size_t errlen);
/* Run SQL on a connection; -1 with err from store_sqlite_error. */
int store_sqlite_exec(struct store_sqlite *st, sqlite3 *db, const char *sql, const char *what,
                      char *err, size_t errlen);
/* The SQL of a writer's statement (to prepare it on a reader too). */
const char *store_sqlite_wsql(enum store_sqlite_wq q);
/* A statement of the writer, reset and unbound (db_mu held). */
sqlite3_stmt *store_sqlite_wstmt(struct store_sqlite *st, enum store_sqlite_wq q);
/* Step a writer's statement that returns no row, and reset it; -1 with err. */
int store_sqlite_step_done(struct store_sqlite *st, sqlite3_stmt *s, char *err, size_t errlen);
/* Bind v, or NULL when v is NULL; v must outlive the step. */
void store_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v);
/* A row's search text (version 4): store_fold_text of its name and course
 * name (NULL: the field itself) and their CJK bigrams. */
struct store_search_text {
    char *name, *course;
    struct buf grams;
};
void store_sqlite_search_text(struct store_search_text *t, const char *name, const char *course);
/* Bind name, course and grams (NULL when empty) to parameters i, i+1, i+2;
 * t must outlive the step. */
void store_sqlite_search_text_bind(const struct store_search_text *t, sqlite3_stmt *s, int i);
void store_sqlite_search_text_free(struct store_search_text *t);
/* A text column copied (NULL stays NULL; free it) or into a fixed buffer. */
char *store_sqlite_col_dup(sqlite3_stmt *s, int i);
void store_sqlite_col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen);
void store_sqlite_count(_Atomic uint64_t *counter, uint64_t n);
void store_sqlite_add_clock(struct store_sqlite *st, const struct store_fs_clock *clk);

/* Transactions on the writer (db_mu held); inside the caller's own batch,
 * savepoints. */
int store_sqlite_tx_begin(struct store_sqlite *st, int in_batch, char *err, size_t errlen);
int store_sqlite_tx_commit(struct store_sqlite *st, int in_batch, char *err, size_t errlen);
void store_sqlite_tx_abort(struct store_sqlite *st, int in_batch);
/* Remove the files placed by the open batch (when it is undone). */
void store_sqlite_batch_discard(struct store_sqlite *st);

/* The batch gate: 1 when the caller owns the open batch or has joined it,
 * else 0 and counted in flight until store_sqlite_gate_leave. */
int store_sqlite_gate_enter(struct store_sqlite *st);
void store_sqlite_gate_leave(struct store_sqlite *st, int owner);
/* The lock that serialises puts and re-makes of one id. */
pthread_mutex_t *store_sqlite_stripe(struct store_sqlite *st, const char *id);
/* A reader connection from the pool (waits for one), and its return. */
sqlite3 *store_sqlite_reader_get(struct store_sqlite *st);
void store_sqlite_reader_put(struct store_sqlite *st, sqlite3 *db);

/* With db_mu held, in the open batch, after a put's savepoint is released:
 * its folders (dirs, may be NULL) are fsync'd and its file abs (absolute,
 * malloc'd: the batch frees it; may be NULL) synced or removed at the batch's
 * end. */
void store_sqlite_batch_keep(struct store_sqlite *st, const struct store_dirset *dirs, char *abs);

/* --- store_sqlite_group.c ---------------------------------------------- */

/* With db_mu held, inside a transaction: the rows of one new revision
 * (certificate upserted, older revisions superseded, the revision). */
int store_sqlite_write_rows(struct store_sqlite *st, const struct store_sqlite_rows *w, char *err,
                            size_t errlen);
/* Commit w's rows with whatever other puts queue meanwhile (db_mu not
 * held); returns once they are committed (0) or failed (-1, w->err set). */
int store_sqlite_group_commit(struct store_sqlite *st, struct store_sqlite_rows *w);

/* --- the other files -------------------------------------------------- */

/* With the writer open and foreign keys still off: make the schema of a new
 * index (version 0) or upgrade an older one to STORE_SCHEMA_VERSION, in one
 * transaction (store_sqlite_schema.c). An upgrade needs the store alone (exclusive):
 * otherwise it is refused with a message saying so, and nothing changes. */
int store_sqlite_schema_ready(struct store_sqlite *st, int version, int exclusive, char *err,
                              size_t errlen);

/* Crash recovery at open (store_sqlite_recover.c); the store is ours alone. */
int store_sqlite_recover(struct store_sqlite *st, store_rerender_fn fn, void *ctx, char *err,
                         size_t errlen);

/* The operations of struct store_ops (store_sqlite_open.c fills the table),
 * as store.h states them. */
int store_sqlite_peek(struct store *st, const struct store_fields *f, struct store_result *res);
int store_sqlite_put(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
                     struct store_result *res, char *err, size_t errlen);
int store_sqlite_batch_begin(struct store *st, char *err, size_t errlen);
int store_sqlite_batch_end(struct store *st, char *err, size_t errlen);
int store_sqlite_batch_join(struct store *st, char *err, size_t errlen);
void store_sqlite_batch_leave(struct store *st);
int store_sqlite_revoke(struct store *st, const char *id, const char *reason, char *err,
                        size_t errlen);
int store_sqlite_get(struct store *st, const struct store_scope *scope, const char *id,
                     struct store_cert *out, char *err, size_t errlen);
int store_sqlite_get_by_code(struct store *st, const char *code, struct store_cert *out,
                             int *revision, char *err, size_t errlen);
int store_sqlite_find_file(struct store *st, const char *sha256, struct store_file_match *out,
                           char *err, size_t errlen);
int store_sqlite_raw_event(struct store *st, const char *id, int revision, struct buf *out,
                           char *err, size_t errlen);
int store_sqlite_stats(struct store *st, struct store_stats *out, char *err, size_t errlen);
/* f is never NULL (store_rerender passes an empty filter for NULL). */
int store_sqlite_rerender(struct store *st, const struct store_rerender_filter *f,
                          store_rerender_fn fn, void *ctx, size_t *count, char *err,
                          size_t errlen);
int store_sqlite_search(struct store *st, const struct store_query *q, struct store_page *out,
                        char *err, size_t errlen);
int store_sqlite_search_explain(struct store *st, const struct store_query *q, struct buf *out,
                                char *err, size_t errlen);
int store_sqlite_staff_add(struct store *st, const char *name, const struct store_scope *scope,
                           char token[64], char *err, size_t errlen);
int store_sqlite_staff_list(struct store *st, struct store_staff **out, size_t *n, char *err,
                            size_t errlen);
int store_sqlite_staff_revoke(struct store *st, const char *name, char *err, size_t errlen);
int store_sqlite_staff_check(struct store *st, const char *token, char name[64],
                             struct store_scope *scope, char *err, size_t errlen);
int store_sqlite_webhook_token_add(struct store *st, int64_t institution_id, const char *label,
                                   char token[64], char *err, size_t errlen);
int store_sqlite_webhook_token_list(struct store *st, struct store_webhook_token **out, size_t *n,
                                    char *err, size_t errlen);
int store_sqlite_webhook_token_revoke(struct store *st, const char *label, char *err,
                                      size_t errlen);
int store_sqlite_webhook_token_check(struct store *st, const char *token, int64_t *institution_id,
                                     char *err, size_t errlen);

int store_sqlite_audit_append(struct store *st, const struct audit_record *r, char *err,
                              size_t errlen);
int store_sqlite_audit_each(struct store *st, const struct audit_filter *f, audit_each_fn fn,
                            void *ctx, char *err, size_t errlen);
int store_sqlite_cert_each(struct store *st, store_cert_each_fn fn, void *ctx, char *err,
                           size_t errlen);
int store_sqlite_copy_read(struct store *st, const char *id, int revision,
                           struct store_copy_rev *out, char *err, size_t errlen);
int store_sqlite_copy_put(struct store *st, const struct store_cert *c,
                          const struct store_copy_rev *revs, size_t n, char *err, size_t errlen);
int store_sqlite_cred_each(struct store *st, store_cred_each_fn fn, void *ctx, char *err,
                           size_t errlen);
int store_sqlite_cred_put(struct store *st, const struct store_cred *c, char *err, size_t errlen);

/* One statement that writes, in its own transaction of the writer. Binds:
 * ?1 text a, ?2 int64 n, ?3 blob md (32 bytes, may be NULL), ?4 text now
 * (sql may leave some out, as long as it names ?4). 0 and *changes rows
 * changed, or -1 with err (unique_msg, when not NULL, if a unique key
 * refuses). */
int store_sqlite_write_one(struct store_sqlite *st, const char *sql, const char *a, int64_t n,
                           const unsigned char *md, int *changes, const char *unique_msg, char *err,
                           size_t errlen);

#endif
