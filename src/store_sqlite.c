/* The embedded store backend: an SQLite index (WAL, synchronous=FULL) next to
 * PDF files under the store folder. This file holds the connections, the
 * schema, puts and batches, and the read queries; store_recover.c holds crash
 * recovery and rerender, store_fs.c the durable file operations. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caltime.h"
#include "store_sqlite.h"
#include "banned.h"

#define SCHEMA_VERSION 1
#define LOCK_WAIT_MS 5000 /* for the store's lock file and SQLite's busy handler */
#define CODE_TRIES 8
#define NAME_TRIES 16

/* Schema 1. Large columns (canonical, raw) come last in their rows so that
 * reading the others never walks overflow pages. The search issue adds an
 * FTS5 table kept by triggers on certificates (schema 2). */
static const char schema_v1[] =
    "CREATE TABLE certificates ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " institution_id INTEGER NOT NULL, user_id INTEGER NOT NULL, course_id INTEGER NOT NULL,"
    " school_id INTEGER NOT NULL,"
    " user_name TEXT NOT NULL, user_email TEXT NOT NULL, user_cpf TEXT,"
    " course_name TEXT NOT NULL, school_name TEXT NOT NULL, workload TEXT, type TEXT NOT NULL,"
    " certified_at TEXT NOT NULL, concluded_at TEXT NOT NULL, enrolled_at TEXT,"
    " approval_rate REAL,"
    " latest INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0, revoke_reason TEXT, revoked_at TEXT,"
    " UNIQUE (institution_id, user_id, course_id));"
    "CREATE INDEX certificates_certified_at ON certificates (certified_at);"
    "CREATE INDEX certificates_course ON certificates (course_id, certified_at);"
    "CREATE TABLE revisions ("
    " id TEXT NOT NULL REFERENCES certificates (id),"
    " revision INTEGER NOT NULL,"
    " code TEXT NOT NULL UNIQUE,"
    " pdf_path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,"
    " generation INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, rendered_at TEXT NOT NULL,"
    " superseded INTEGER NOT NULL DEFAULT 0,"
    " canonical TEXT NOT NULL, raw BLOB NOT NULL,"
    " PRIMARY KEY (id, revision));"
    "PRAGMA user_version = 1;";

/* Statements kept prepared on the writer connection. */
static const char *const wsql[W_COUNT] = {
    [W_LATEST] = "SELECT c.institution_id, c.user_id, c.course_id, c.latest, r.code, r.canonical"
                 " FROM certificates c JOIN revisions r ON r.id = c.id AND r.revision = c.latest"
                 " WHERE c.id = ?1",
    [W_CODE] = "SELECT 1 FROM revisions WHERE code = ?1",
    [W_CERT] =
        "INSERT INTO certificates (id, institution_id, user_id, course_id, school_id,"
        " user_name, user_email, user_cpf, course_name, school_name, workload, type,"
        " certified_at, concluded_at, enrolled_at, approval_rate, latest)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        " ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id,"
        " user_name = excluded.user_name, user_email = excluded.user_email,"
        " user_cpf = excluded.user_cpf, course_name = excluded.course_name,"
        " school_name = excluded.school_name, workload = excluded.workload,"
        " type = excluded.type, certified_at = excluded.certified_at,"
        " concluded_at = excluded.concluded_at, enrolled_at = excluded.enrolled_at,"
        " approval_rate = excluded.approval_rate, latest = excluded.latest",
    [W_SUPERSEDE] = "UPDATE revisions SET superseded = 1"
                    " WHERE id = ?1 AND revision < ?2 AND superseded = 0",
    [W_REVISION] = "INSERT INTO revisions (id, revision, code, pdf_path, sha256, size, generation,"
                   " created_at, rendered_at, canonical, raw)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
    [W_REV_PATH] = "SELECT pdf_path FROM revisions WHERE id = ?1 AND revision = ?2",
    [W_REMAKE_GET] = "SELECT r.revision, r.code, r.pdf_path, r.generation, c.institution_id,"
                     " c.certified_at, r.raw"
                     " FROM revisions r JOIN certificates c ON c.id = r.id"
                     " WHERE r.id = ?1 AND r.revision = CASE WHEN ?2 > 0 THEN ?2 ELSE c.latest END",
    [W_REMAKE_SET] = "UPDATE revisions SET pdf_path = ?3, sha256 = ?4, size = ?5,"
                     " generation = ?6, rendered_at = ?7"
                     " WHERE id = ?1 AND revision = ?2 AND pdf_path = ?8",
    [W_REVOKE] = "UPDATE certificates SET revoked = 1, revoke_reason = ?2, revoked_at = ?3"
                 " WHERE id = ?1 AND revoked = 0",
    [W_EXISTS] = "SELECT 1 FROM certificates WHERE id = ?1",
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void store_now_utc(char out[20])
{
    struct tm tm;
    time_t t = time(NULL);
    gmtime_r(&t, &tm);
    if (strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        out[0] = '\0';
}

void store_db_error(const struct store *st, sqlite3 *db, const char *what, char *err, size_t errlen)
{
    int rc = sqlite3_errcode(db) & 0xff;
    const char *msg = sqlite3_errmsg(db);

    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
        snprintf(err, errlen, "index '%s' is damaged: %s", st->index_path, msg);
    else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        snprintf(err, errlen, "index '%s' is locked by another process", st->index_path);
    else
        snprintf(err, errlen, "cannot %s index '%s': %s", what, st->index_path, msg);
}

static int db_exec(struct store *st, sqlite3 *db, const char *sql, const char *what, char *err,
                   size_t errlen)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        store_db_error(st, db, what, err, errlen);
        return -1;
    }
    return 0;
}

sqlite3_stmt *store_wstmt(struct store *st, enum store_wq q)
{
    sqlite3_stmt *s = st->wq[q];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? xstrdup((const char *)t) : NULL;
}

static void col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

void store_count(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add(counter, n);
}

void store_add_clock(struct store *st, const struct store_fs_clock *clk)
{
    store_count(&st->fsyncs, clk->fsyncs);
    store_count(&st->fsync_ns, clk->ns);
}

/* Transactions on the writer (db_mu held). Inside the caller's own batch an
 * operation is a savepoint, so that a failed put leaves the batch going. */
int store_tx_begin(struct store *st, int in_batch, char *err, size_t errlen)
{
    if (!in_batch)
        return db_exec(st, st->db, "BEGIN IMMEDIATE", "write", err, errlen);
    if (st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
        return -1;
    }
    return db_exec(st, st->db, "SAVEPOINT op", "write", err, errlen);
}

int store_tx_commit(struct store *st, int in_batch, char *err, size_t errlen)
{
    uint64_t t0 = now_ns();
    int rc;

    if (in_batch)
        return db_exec(st, st->db, "RELEASE op", "write", err, errlen);
    rc = db_exec(st, st->db, "COMMIT", "commit", err, errlen);
    if (rc == 0) {
        store_count(&st->commits, 1);
        store_count(&st->commit_ns, now_ns() - t0);
    }
    return rc;
}

void store_tx_abort(struct store *st, int in_batch)
{
    if (sqlite3_get_autocommit(st->db)) {
        /* SQLite already rolled everything back (disk full, I/O error). */
        if (in_batch && !st->batch_failed) {
            st->batch_failed = 1;
            snprintf(st->batch_err, sizeof(st->batch_err), "%s", sqlite3_errmsg(st->db));
        }
        return;
    }
    if (in_batch)
        sqlite3_exec(st->db, "ROLLBACK TO op; RELEASE op", NULL, NULL, NULL);
    else
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* The batch gate: a thread that does not own the open batch waits for it to
 * end. Returns 1 when the caller owns the open batch, 0 otherwise (then it is
 * counted in flight until store_gate_leave). */
int store_gate_enter(struct store *st)
{
    int owner;
    pthread_mutex_lock(&st->gate_mu);
    while ((st->batch_active && !pthread_equal(st->batch_owner, pthread_self())) ||
           (st->batch_waiting && !st->batch_active))
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    owner = st->batch_active;
    if (!owner)
        st->inflight++;
    pthread_mutex_unlock(&st->gate_mu);
    return owner;
}

void store_gate_leave(struct store *st, int owner)
{
    if (owner)
        return;
    pthread_mutex_lock(&st->gate_mu);
    if (--st->inflight == 0)
        pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
}

static int owns_batch(struct store *st)
{
    int owner;
    pthread_mutex_lock(&st->gate_mu);
    owner = st->batch_active && pthread_equal(st->batch_owner, pthread_self());
    pthread_mutex_unlock(&st->gate_mu);
    return owner;
}

pthread_mutex_t *store_stripe(struct store *st, const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return &st->stripes[h % STORE_STRIPES];
}

sqlite3 *store_reader_get(struct store *st)
{
    pthread_mutex_lock(&st->rd_mu);
    for (;;) {
        for (int i = 0; i < STORE_READERS; i++) {
            if (!st->rd_busy[i]) {
                st->rd_busy[i] = 1;
                pthread_mutex_unlock(&st->rd_mu);
                return st->rd[i];
            }
        }
        pthread_cond_wait(&st->rd_cv, &st->rd_mu);
    }
}

void store_reader_put(struct store *st, sqlite3 *db)
{
    pthread_mutex_lock(&st->rd_mu);
    for (int i = 0; i < STORE_READERS; i++)
        if (st->rd[i] == db)
            st->rd_busy[i] = 0;
    pthread_cond_signal(&st->rd_cv);
    pthread_mutex_unlock(&st->rd_mu);
}

/* --- opening ------------------------------------------------------------ */

/* Take the store's lock file: exclusive when no other process has the store
 * open (then this one may recover it), shared otherwise. */
static int lock_store(struct store *st, int *exclusive, char *err, size_t errlen)
{
    struct buf path = BUF_INIT;
    int rc = -1;

    buf_addf(&path, "%s/lock", st->dir);
    st->lock_fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (st->lock_fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path.data, strerror(errno));
        goto out;
    }
    for (int waited = 0;; waited += 20) {
        if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0) {
            *exclusive = 1;
            break;
        }
        if (errno == EWOULDBLOCK && flock(st->lock_fd, LOCK_SH | LOCK_NB) == 0) {
            *exclusive = 0;
            break;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(err, errlen, "cannot lock '%s': %s", path.data, strerror(errno));
            goto out;
        }
        if (waited >= LOCK_WAIT_MS) {
            snprintf(err, errlen, "store '%s' is locked by another process", st->dir);
            goto out;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    rc = 0;
out:
    buf_free(&path);
    return rc;
}

static int refuse_if_pdfs(struct store *st, const char *state, char *err, size_t errlen)
{
    struct buf pdf = BUF_INIT;
    int rc;

    buf_addf(&pdf, "%s/pdf", st->dir);
    rc = store_fs_nonempty(pdf.data, err, errlen);
    if (rc == 1)
        snprintf(err, errlen,
                 "index '%s' is %s but '%s' holds certificates: restore the index from a "
                 "backup, or move '%s' away to start an empty archive",
                 st->index_path, state, pdf.data, pdf.data);
    buf_free(&pdf);
    return rc == 0 ? 0 : -1;
}

static sqlite3 *open_db(struct store *st, int flags, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(st->index_path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        if (db)
            store_db_error(st, db, "open", err, errlen);
        else
            snprintf(err, errlen, "cannot open index '%s': out of memory", st->index_path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, LOCK_WAIT_MS);
    return db;
}

/* user_version and the number of tables; the first read of the file. */
static int read_version(struct store *st, int *version, int *tables, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM sqlite_schema WHERE type = 'table')",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        store_db_error(st, st->db, "read", err, errlen);
        goto out;
    }
    *version = sqlite3_column_int(s, 0);
    *tables = sqlite3_column_int(s, 1);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

static int open_writer(struct store *st, char *err, size_t errlen)
{
    struct stat sb;
    sqlite3_stmt *s = NULL;
    int version, tables, created = 0;

    if (lstat(st->index_path, &sb) < 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "cannot open index '%s': %s", st->index_path, strerror(errno));
            return -1;
        }
        if (refuse_if_pdfs(st, "missing", err, errlen) < 0)
            return -1;
        created = 1;
    }
    st->db = open_db(st, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, errlen);
    if (!st->db || read_version(st, &version, &tables, err, errlen) < 0)
        return -1;
    if (version > SCHEMA_VERSION) {
        snprintf(err, errlen, "index '%s' is from a newer certifica (schema %d, this one knows %d)",
                 st->index_path, version, SCHEMA_VERSION);
        return -1;
    }
    if (version == 0 && tables > 0) {
        snprintf(err, errlen, "index '%s' is not a certifica index", st->index_path);
        return -1;
    }
    if (version == 0 && !created && refuse_if_pdfs(st, "empty", err, errlen) < 0)
        return -1;

    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        store_db_error(st, st->db, "set up", err, errlen);
        return -1;
    }
    if (sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
        snprintf(err, errlen, "index '%s' cannot use write-ahead logging on this file system",
                 st->index_path);
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    if (db_exec(st, st->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "set up", err,
                errlen) < 0)
        return -1;

    if (version == 0) {
        /* Another process may have made it meanwhile: look again inside. */
        if (db_exec(st, st->db, "BEGIN IMMEDIATE", "create", err, errlen) < 0)
            return -1;
        if (read_version(st, &version, &tables, err, errlen) < 0 ||
            (version == 0 && db_exec(st, st->db, schema_v1, "create", err, errlen) < 0) ||
            db_exec(st, st->db, "COMMIT", "create", err, errlen) < 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        /* Make the new index file's name durable in the store folder. */
        if (store_fs_sync_dir(st->dir, NULL, err, errlen) < 0)
            return -1;
    }
    /* Later schema versions migrate here, one step at a time. */
    for (int q = 0; q < W_COUNT; q++) {
        if (sqlite3_prepare_v3(st->db, wsql[q], -1, SQLITE_PREPARE_PERSISTENT, &st->wq[q], NULL) !=
            SQLITE_OK) {
            store_db_error(st, st->db, "prepare", err, errlen);
            return -1;
        }
    }
    return 0;
}

static int open_readers(struct store *st, char *err, size_t errlen)
{
    for (int i = 0; i < STORE_READERS; i++) {
        st->rd[i] = open_db(st, SQLITE_OPEN_READONLY, err, errlen);
        if (!st->rd[i])
            return -1;
    }
    return 0;
}

struct store *store_open(const char *dir, store_rerender_fn rerender_fn, void *rerender_ctx,
                         char *err, size_t errlen)
{
    struct store *st = xcalloc(1, sizeof(*st));
    struct buf b = BUF_INIT;
    size_t n = strlen(dir);
    int exclusive = 0;

    pthread_mutex_init(&st->db_mu, NULL);
    pthread_mutex_init(&st->rd_mu, NULL);
    pthread_cond_init(&st->rd_cv, NULL);
    pthread_mutex_init(&st->gate_mu, NULL);
    pthread_cond_init(&st->gate_cv, NULL);
    for (int i = 0; i < STORE_STRIPES; i++)
        pthread_mutex_init(&st->stripes[i], NULL);
    st->lock_fd = -1;

    while (n > 1 && dir[n - 1] == '/')
        n--;
    st->dir = xstrndup(dir, n ? n : 1);
    if (n == 0)
        st->dir[0] = '.';
    buf_addf(&b, "%s/index.sqlite", st->dir);
    st->index_path = buf_detach(&b, NULL);

    if (store_fs_mkdirs(st->dir, 0750, NULL, NULL, err, errlen) < 0 ||
        lock_store(st, &exclusive, err, errlen) < 0 || open_writer(st, err, errlen) < 0 ||
        open_readers(st, err, errlen) < 0)
        goto fail;
    st->rec.exclusive = exclusive;
    if (exclusive) {
        if (store_recover(st, rerender_fn, rerender_ctx, err, errlen) < 0)
            goto fail;
        /* Let other processes (the CLI next to a server) open it too. */
        if (flock(st->lock_fd, LOCK_SH) < 0) {
            snprintf(err, errlen, "cannot lock '%s/lock': %s", st->dir, strerror(errno));
            goto fail;
        }
    }
    return st;
fail:
    store_close(st);
    return NULL;
}

static void remove_batch_files(struct store *st)
{
    for (size_t i = 0; i < st->n_batch_files; i++) {
        unlink(st->batch_files[i]);
        free(st->batch_files[i]);
    }
    st->n_batch_files = 0;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    if (st->batch_active) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        remove_batch_files(st);
    }
    free(st->batch_files);
    store_dirset_free(&st->batch_dirs);
    for (int q = 0; q < W_COUNT; q++)
        sqlite3_finalize(st->wq[q]);
    for (int i = 0; i < STORE_READERS; i++)
        sqlite3_close(st->rd[i]);
    sqlite3_close(st->db); /* the last connection: checkpoints and removes the WAL */
    if (st->lock_fd >= 0)
        close(st->lock_fd);
    pthread_mutex_destroy(&st->db_mu);
    pthread_mutex_destroy(&st->rd_mu);
    pthread_cond_destroy(&st->rd_cv);
    pthread_mutex_destroy(&st->gate_mu);
    pthread_cond_destroy(&st->gate_cv);
    for (int i = 0; i < STORE_STRIPES; i++)
        pthread_mutex_destroy(&st->stripes[i]);
    free(st->dir);
    free(st->index_path);
    free(st);
}

const char *store_dir(const struct store *st)
{
    return st->dir;
}

void store_recovery_info(const struct store *st, struct store_recovery *out)
{
    *out = st->rec;
}

/* --- files ---------------------------------------------------------------- */

int store_place_pdf(struct store *st, int64_t inst, int year, int mon, const struct store_ticket *t,
                    int *gen, const struct buf *pdf, struct store_dirset *defer,
                    struct store_fs_clock *clk, struct buf *rel, char *err, size_t errlen)
{
    struct buf dir = BUF_INIT, name = BUF_INIT;
    char tmp[80], rnd[17];
    int rc = -1, made = 0;

    if (store_random_hex(rnd, 8) < 0) {
        snprintf(err, errlen, "cannot draw random bytes for a temporary name");
        goto out;
    }
    snprintf(tmp, sizeof(tmp), ".%s-r%d.%s.tmp", t->id, t->revision, rnd);
    buf_reset(rel);
    buf_addf(rel, "pdf/%" PRId64 "/%04d/%02d", inst, year, mon);
    buf_addf(&dir, "%s/%s", st->dir, rel->data);
    for (int tries = 0; tries < NAME_TRIES; tries++) {
        buf_reset(&name);
        if (*gen)
            buf_addf(&name, "%s-r%d.g%d.pdf", t->id, t->revision, *gen);
        else
            buf_addf(&name, "%s-r%d.pdf", t->id, t->revision);
        rc = store_fs_place(dir.data, name.data, tmp, pdf->data, pdf->len, clk, err, errlen);
        if (rc < 0 && errno == ENOENT && !made) {
            made = 1;
            tries--;
            if (store_fs_mkdirs(dir.data, 0750, defer, clk, err, errlen) < 0)
                goto out;
            err[0] = '\0';
            continue;
        }
        if (rc != 1)
            break;
        /* A file left by a crash (or another process) holds that name: never
         * replace it; take the next generation. Recovery removes the stray. */
        (*gen)++;
    }
    if (rc == 1)
        snprintf(err, errlen, "cannot place '%s/%s': too many files in the way", dir.data,
                 name.data);
    if (rc != 0) {
        rc = -1;
        goto out;
    }
    buf_addf(rel, "/%s", name.data);
    if (defer) {
        store_dirset_add(defer, dir.data);
    } else if (store_fs_sync_dir(dir.data, clk, err, errlen) < 0) {
        buf_addf(&dir, "/%s", name.data);
        unlink(dir.data);
        rc = -1;
        goto out;
    }
    rc = 0;
out:
    buf_free(&dir);
    buf_free(&name);
    return rc;
}

/* Remove a placed file whose row was not committed (best effort). */
void store_unplace(struct store *st, const char *rel)
{
    struct buf p = BUF_INIT;
    buf_addf(&p, "%s/%s", st->dir, rel);
    unlink(p.data);
    buf_free(&p);
}

/* --- put ------------------------------------------------------------------ */

static int check_fields(const struct store_fields *f, struct caltime *when, char *err,
                        size_t errlen)
{
    const char *need[] = {f->user_name, f->user_email,   f->course_name,  f->school_name,
                          f->type,      f->certified_at, f->concluded_at, f->canonical};
    const char *names[] = {"user_name", "user_email",   "course_name",  "school_name",
                           "type",      "certified_at", "concluded_at", "canonical"};

    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!need[i]) {
            snprintf(err, errlen, "cannot archive: field '%s' is missing", names[i]);
            return -1;
        }
    }
    if (f->institution_id <= 0 || f->user_id <= 0 || f->course_id <= 0 || f->school_id <= 0) {
        snprintf(err, errlen, "cannot archive: ids must be positive");
        return -1;
    }
    if (caltime_parse(f->certified_at, when) < 0) {
        snprintf(err, errlen, "cannot archive: certified_at '%s' is not a calendar time",
                 f->certified_at);
        return -1;
    }
    return 0;
}

/* With db_mu held: decide. 0 unchanged (res filled), 1 a new revision is due
 * (t filled with its number and a fresh code), -1 error. */
static int decide(struct store *st, const struct store_fields *f, struct store_ticket *t,
                  struct store_result *res, char *err, size_t errlen)
{
    sqlite3_stmt *s = store_wstmt(st, W_LATEST);
    int rc;

    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_int64(s, 0) != f->institution_id ||
            sqlite3_column_int64(s, 1) != f->user_id ||
            sqlite3_column_int64(s, 2) != f->course_id) {
            snprintf(err, errlen, "certificate id '%s' collides with another certificate's", t->id);
            goto fail;
        }
        t->revision = sqlite3_column_int(s, 3);
        if (strcmp((const char *)sqlite3_column_text(s, 5), f->canonical) == 0) {
            res->ticket = *t;
            col_copy(s, 4, res->ticket.code, sizeof(res->ticket.code));
            res->outcome = STORE_UNCHANGED;
            sqlite3_reset(s);
            return 0;
        }
    } else if (rc == SQLITE_DONE) {
        t->revision = 0;
    } else {
        store_db_error(st, st->db, "read", err, errlen);
        goto fail;
    }
    sqlite3_reset(s);
    t->revision++;

    /* A fresh code, unique among committed ones; a clash with a concurrent
     * uncommitted put (odds 2^-75) is caught by the UNIQUE constraint. */
    for (int i = 0;; i++) {
        if (i == CODE_TRIES || store_code_generate(t->code) < 0) {
            snprintf(err, errlen, "cannot make a unique verification code");
            return -1;
        }
        s = store_wstmt(st, W_CODE);
        sqlite3_bind_text(s, 1, t->code, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE)
            return 1;
        if (rc != SQLITE_ROW) {
            store_db_error(st, st->db, "read", err, errlen);
            return -1;
        }
    }
fail:
    sqlite3_reset(s);
    return -1;
}

static int step_done(struct store *st, sqlite3_stmt *s, char *err, size_t errlen)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        store_db_error(st, st->db, "write", err, errlen);
        return -1;
    }
    return 0;
}

/* After a failed write of a revision: say so plainly when another process
 * archived the same revision first (two processes sharing the store). */
static void explain_clash(struct store *st, const struct store_ticket *t, char *err, size_t errlen)
{
    int ext = sqlite3_extended_errcode(st->db);
    if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
        snprintf(err, errlen,
                 "cannot archive '%s' r%d: another writer archived it meanwhile; try again", t->id,
                 t->revision);
}

/* With db_mu held: the rows of a new revision, in one transaction. */
static int commit_revision(struct store *st, const struct store_fields *f,
                           const struct store_ticket *t, const char *rel, const char *sha,
                           int64_t size, int gen, int in_batch, char *err, size_t errlen)
{
    char now[20];
    sqlite3_stmt *s;

    store_now_utc(now);
    if (store_tx_begin(st, in_batch, err, errlen) < 0)
        return -1;
    s = store_wstmt(st, W_CERT);
    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, f->institution_id);
    sqlite3_bind_int64(s, 3, f->user_id);
    sqlite3_bind_int64(s, 4, f->course_id);
    sqlite3_bind_int64(s, 5, f->school_id);
    store_bind_text(s, 6, f->user_name);
    store_bind_text(s, 7, f->user_email);
    store_bind_text(s, 8, f->user_cpf);
    store_bind_text(s, 9, f->course_name);
    store_bind_text(s, 10, f->school_name);
    store_bind_text(s, 11, f->workload);
    store_bind_text(s, 12, f->type);
    store_bind_text(s, 13, f->certified_at);
    store_bind_text(s, 14, f->concluded_at);
    store_bind_text(s, 15, f->enrolled_at);
    if (f->has_approval_rate)
        sqlite3_bind_double(s, 16, f->approval_rate);
    sqlite3_bind_int(s, 17, t->revision);
    if (step_done(st, s, err, errlen) < 0)
        goto fail;

    s = store_wstmt(st, W_SUPERSEDE);
    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, t->revision);
    if (step_done(st, s, err, errlen) < 0)
        goto fail;

    s = store_wstmt(st, W_REVISION);
    sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, t->revision);
    sqlite3_bind_text(s, 3, t->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, rel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, size);
    sqlite3_bind_int(s, 7, gen);
    sqlite3_bind_text(s, 8, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, f->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 10, f->raw ? f->raw : "", (int)(f->raw ? f->raw_len : 0), SQLITE_STATIC);
    if (step_done(st, s, err, errlen) < 0) {
        explain_clash(st, t, err, errlen);
        goto fail;
    }
    if (store_tx_commit(st, in_batch, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    store_tx_abort(st, in_batch);
    return -1;
}

int store_put(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
              struct store_result *res, char *err, size_t errlen)
{
    struct store_result local;
    struct store_ticket t = {0};
    struct store_fs_clock clk = {0, 0};
    struct buf pdf = BUF_INIT, rel = BUF_INIT;
    struct caltime when;
    pthread_mutex_t *stripe;
    char sha[65];
    int rc = -1, owner, gen = 0, placed = 0;

    if (!res)
        res = &local;
    memset(res, 0, sizeof(*res));
    if (!fn) {
        snprintf(err, errlen, "cannot archive: no renderer given");
        return -1;
    }
    if (check_fields(f, &when, err, errlen) < 0)
        return -1;
    if (f->raw_len > 1000000000 ||
        store_id_make(f->institution_id, f->user_id, f->course_id, t.id) < 0) {
        snprintf(err, errlen, "cannot archive: event too large or libcrypto failed");
        return -1;
    }

    owner = store_gate_enter(st);
    stripe = store_stripe(st, t.id);
    pthread_mutex_lock(stripe);

    pthread_mutex_lock(&st->db_mu);
    if (owner && st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
        rc = -1;
    } else {
        rc = decide(st, f, &t, res, err, errlen);
    }
    pthread_mutex_unlock(&st->db_mu);
    if (rc <= 0)
        goto out;
    rc = -1;

    store_count(&st->renders, 1);
    if (fn(ctx, &t, &pdf, err, errlen) < 0)
        goto out;
    if (pdf.len == 0) {
        snprintf(err, errlen, "cannot archive '%s': the renderer made no bytes", t.id);
        goto out;
    }
    store_fs_sha256(pdf.data, pdf.len, sha);
    if (store_place_pdf(st, f->institution_id, when.year, when.mon, &t, &gen, &pdf,
                        owner ? &st->batch_dirs : NULL, &clk, &rel, err, errlen) < 0)
        goto out;
    placed = 1;

    pthread_mutex_lock(&st->db_mu);
    rc = commit_revision(st, f, &t, rel.data, sha, (int64_t)pdf.len, gen, owner, err, errlen);
    pthread_mutex_unlock(&st->db_mu);
    if (rc < 0)
        goto out;
    if (owner) {
        struct buf abs = BUF_INIT;
        if (st->n_batch_files == st->cap_batch_files) {
            st->cap_batch_files = st->cap_batch_files ? 2 * st->cap_batch_files : 256;
            st->batch_files =
                xrealloc(st->batch_files, st->cap_batch_files * sizeof(*st->batch_files));
        }
        buf_addf(&abs, "%s/%s", st->dir, rel.data);
        st->batch_files[st->n_batch_files++] = buf_detach(&abs, NULL);
    }
    res->ticket = t;
    res->outcome = t.revision == 1 ? STORE_ISSUED : STORE_REVISED;
    placed = 0;
out:
    if (placed)
        store_unplace(st, rel.data);
    pthread_mutex_unlock(stripe);
    store_gate_leave(st, owner);
    store_add_clock(st, &clk);
    buf_free(&pdf);
    buf_free(&rel);
    return rc;
}

/* --- batches -------------------------------------------------------------- */

int store_batch_begin(struct store *st, char *err, size_t errlen)
{
    pthread_mutex_lock(&st->gate_mu);
    if (st->batch_active && pthread_equal(st->batch_owner, pthread_self())) {
        pthread_mutex_unlock(&st->gate_mu);
        snprintf(err, errlen, "a batch is already open");
        return -1;
    }
    st->batch_waiting++;
    while (st->batch_active || st->inflight)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    st->batch_waiting--;
    st->batch_active = 1;
    st->batch_owner = pthread_self();
    pthread_mutex_unlock(&st->gate_mu);

    pthread_mutex_lock(&st->db_mu);
    st->batch_failed = 0;
    st->batch_err[0] = '\0';
    if (db_exec(st, st->db, "BEGIN IMMEDIATE", "write", err, errlen) < 0) {
        pthread_mutex_unlock(&st->db_mu);
        pthread_mutex_lock(&st->gate_mu);
        st->batch_active = 0;
        pthread_cond_broadcast(&st->gate_cv);
        pthread_mutex_unlock(&st->gate_mu);
        return -1;
    }
    pthread_mutex_unlock(&st->db_mu);
    return 0;
}

int store_batch_end(struct store *st, char *err, size_t errlen)
{
    struct store_fs_clock clk = {0, 0};
    uint64_t t0;
    int rc = -1;

    if (!owns_batch(st)) {
        snprintf(err, errlen, "no batch is open in this thread");
        return -1;
    }
    pthread_mutex_lock(&st->db_mu);
    /* Every file is fsync'd; their folders now, before the rows commit. */
    for (size_t i = 0; i < st->batch_dirs.n; i++) {
        if (store_fs_sync_dir(st->batch_dirs.v[i], &clk, err, errlen) < 0)
            goto undo;
    }
    if (st->batch_failed) {
        snprintf(err, errlen, "the batch was rolled back: %s", st->batch_err);
        goto undo;
    }
    t0 = now_ns();
    if (db_exec(st, st->db, "COMMIT", "commit", err, errlen) < 0)
        goto undo;
    store_count(&st->commits, 1);
    store_count(&st->commit_ns, now_ns() - t0);
    for (size_t i = 0; i < st->n_batch_files; i++)
        free(st->batch_files[i]);
    st->n_batch_files = 0;
    rc = 0;
    goto out;
undo:
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    remove_batch_files(st);
out:
    store_dirset_free(&st->batch_dirs);
    pthread_mutex_unlock(&st->db_mu);
    store_add_clock(st, &clk);
    pthread_mutex_lock(&st->gate_mu);
    st->batch_active = 0;
    pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
    return rc;
}

/* --- revocation ----------------------------------------------------------- */

int store_revoke(struct store *st, const char *id, const char *reason, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    char now[20];
    int rc = -1, owner, step;

    if (!reason || !*reason) {
        snprintf(err, errlen, "cannot revoke '%s': a reason is required", id);
        return -1;
    }
    store_now_utc(now);
    owner = store_gate_enter(st);
    pthread_mutex_lock(&st->db_mu);
    if (store_tx_begin(st, owner, err, errlen) < 0)
        goto out;
    s = store_wstmt(st, W_REVOKE);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    if (step_done(st, s, err, errlen) < 0)
        goto abort;
    rc = 0;
    if (sqlite3_changes(st->db) == 0) {
        /* Nothing changed: already revoked (0), or no such id (1). */
        s = store_wstmt(st, W_EXISTS);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        step = sqlite3_step(s);
        sqlite3_reset(s);
        if (step == SQLITE_DONE) {
            rc = 1;
        } else if (step != SQLITE_ROW) {
            store_db_error(st, st->db, "read", err, errlen);
            rc = -1;
        }
        if (rc < 0)
            goto abort;
    }
    if (store_tx_commit(st, owner, err, errlen) < 0) {
        rc = -1;
        goto abort;
    }
    goto out;
abort:
    store_tx_abort(st, owner);
out:
    pthread_mutex_unlock(&st->db_mu);
    store_gate_leave(st, owner);
    return rc;
}

/* --- reads ---------------------------------------------------------------- */

static int read_cert(struct store *st, sqlite3 *db, const char *id, struct store_cert *out,
                     char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    struct buf path = BUF_INIT;
    size_t cap = 0;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           "SELECT institution_id, user_id, course_id, school_id, user_name,"
                           " user_email, user_cpf, course_name, school_name, workload, type,"
                           " certified_at, concluded_at, enrolled_at, approval_rate, latest,"
                           " revoked, revoke_reason, revoked_at FROM certificates WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = 1;
        goto out;
    }
    if (step != SQLITE_ROW)
        goto dberr;
    snprintf(out->id, sizeof(out->id), "%s", id);
    out->institution_id = sqlite3_column_int64(s, 0);
    out->user_id = sqlite3_column_int64(s, 1);
    out->course_id = sqlite3_column_int64(s, 2);
    out->school_id = sqlite3_column_int64(s, 3);
    out->user_name = col_dup(s, 4);
    out->user_email = col_dup(s, 5);
    out->user_cpf = col_dup(s, 6);
    out->course_name = col_dup(s, 7);
    out->school_name = col_dup(s, 8);
    out->workload = col_dup(s, 9);
    out->type = col_dup(s, 10);
    col_copy(s, 11, out->certified_at, sizeof(out->certified_at));
    col_copy(s, 12, out->concluded_at, sizeof(out->concluded_at));
    col_copy(s, 13, out->enrolled_at, sizeof(out->enrolled_at));
    out->has_approval_rate = sqlite3_column_type(s, 14) != SQLITE_NULL;
    out->approval_rate = sqlite3_column_double(s, 14);
    out->latest = sqlite3_column_int(s, 15);
    out->revoked = sqlite3_column_int(s, 16);
    out->revoke_reason = col_dup(s, 17);
    col_copy(s, 18, out->revoked_at, sizeof(out->revoked_at));
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(db,
                           "SELECT revision, code, created_at, superseded, sha256, size,"
                           " generation, pdf_path FROM revisions WHERE id = ?1 ORDER BY revision",
                           -1, &s, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_revision *r;
        if (out->n_revs == cap) {
            cap = cap ? 2 * cap : 4;
            out->revs = xrealloc(out->revs, cap * sizeof(*out->revs));
        }
        r = &out->revs[out->n_revs++];
        memset(r, 0, sizeof(*r));
        r->revision = sqlite3_column_int(s, 0);
        col_copy(s, 1, r->code, sizeof(r->code));
        col_copy(s, 2, r->created_at, sizeof(r->created_at));
        r->superseded = sqlite3_column_int(s, 3);
        col_copy(s, 4, r->sha256, sizeof(r->sha256));
        r->size = sqlite3_column_int64(s, 5);
        r->generation = sqlite3_column_int(s, 6);
        buf_reset(&path);
        buf_addf(&path, "%s/%s", st->dir, (const char *)sqlite3_column_text(s, 7));
        r->pdf_path = buf_detach(&path, NULL);
    }
    if (step != SQLITE_DONE)
        goto dberr;
    rc = 0;
    goto out;
dberr:
    store_db_error(st, db, "read", err, errlen);
out:
    if (rc != 0)
        store_cert_free(out);
    sqlite3_finalize(s);
    buf_free(&path);
    return rc;
}

int store_get(struct store *st, const char *id, struct store_cert *out, char *err, size_t errlen)
{
    sqlite3 *db = store_reader_get(st);
    int rc;

    /* One read transaction: the certificate and its revisions agree. */
    if (db_exec(st, db, "BEGIN", "read", err, errlen) < 0) {
        memset(out, 0, sizeof(*out));
        store_reader_put(st, db);
        return -1;
    }
    rc = read_cert(st, db, id, out, err, errlen);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    store_reader_put(st, db);
    return rc;
}

int store_get_by_code(struct store *st, const char *code, struct store_cert *out, int *revision,
                      char *err, size_t errlen)
{
    char norm[STORE_CODE_MAX], id[STORE_ID_MAX];
    sqlite3_stmt *s = NULL;
    sqlite3 *db;
    int rc = -1, step;

    memset(out, 0, sizeof(*out));
    if (store_code_normalize(code, norm) < 0)
        return 1;
    db = store_reader_get(st);
    if (db_exec(st, db, "BEGIN", "read", err, errlen) < 0)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT id, revision FROM revisions WHERE code = ?1", -1, &s,
                           NULL) != SQLITE_OK) {
        store_db_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
    step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = 1;
        goto out;
    }
    if (step != SQLITE_ROW) {
        store_db_error(st, db, "read", err, errlen);
        goto out;
    }
    col_copy(s, 0, id, sizeof(id));
    if (revision)
        *revision = sqlite3_column_int(s, 1);
    rc = read_cert(st, db, id, out, err, errlen);
out:
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    store_reader_put(st, db);
    return rc;
}

void store_cert_free(struct store_cert *c)
{
    if (!c)
        return;
    free(c->user_name);
    free(c->user_email);
    free(c->user_cpf);
    free(c->course_name);
    free(c->school_name);
    free(c->workload);
    free(c->type);
    free(c->revoke_reason);
    for (size_t i = 0; i < c->n_revs; i++)
        free(c->revs[i].pdf_path);
    free(c->revs);
    memset(c, 0, sizeof(*c));
}

int store_raw_event(struct store *st, const char *id, int revision, struct buf *out, char *err,
                    size_t errlen)
{
    sqlite3 *db = store_reader_get(st);
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(db, "SELECT raw FROM revisions WHERE id = ?1 AND revision = ?2", -1, &s,
                           NULL) != SQLITE_OK) {
        store_db_error(st, db, "read", err, errlen);
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, revision);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        buf_add(out, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = 1;
    } else {
        store_db_error(st, db, "read", err, errlen);
    }
out:
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return rc;
}

int store_stats(struct store *st, struct store_stats *out, char *err, size_t errlen)
{
    sqlite3 *db = store_reader_get(st);
    sqlite3_stmt *s = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM certificates),"
                           " (SELECT count(*) FROM revisions),"
                           " (SELECT count(*) FROM certificates WHERE revoked)",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        store_db_error(st, db, "read", err, errlen);
        goto out;
    }
    out->certificates = sqlite3_column_int64(s, 0);
    out->revisions = sqlite3_column_int64(s, 1);
    out->revoked = sqlite3_column_int64(s, 2);
    out->renders = atomic_load(&st->renders);
    out->fsyncs = atomic_load(&st->fsyncs);
    out->fsync_seconds = (double)atomic_load(&st->fsync_ns) / 1e9;
    out->commits = atomic_load(&st->commits);
    out->commit_seconds = (double)atomic_load(&st->commit_ns) / 1e9;
    rc = 0;
out:
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return rc;
}
