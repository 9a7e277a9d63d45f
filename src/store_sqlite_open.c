/* The embedded store backend: an SQLite index (WAL, synchronous=FULL) next to
 * PDF files under the store folder. This file opens and closes it: the lock
 * file, the connections, the statements kept prepared. The other
 * store_sqlite_*.c files do the rest (see store_sqlite.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_sqlite.h"
#include "banned.h"

#define LOCK_WAIT_MS 5000 /* for the store's lock file and SQLite's busy handler */


/* --- opening ------------------------------------------------------------ */

/* Take the store's lock file: exclusive when no other process has the store
 * open (then this one may recover it), shared otherwise. */
static int lock_store(struct store_sqlite *st, int *exclusive, char *err, size_t errlen)
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

static int refuse_if_pdfs(struct store_sqlite *st, const char *state, char *err, size_t errlen)
{
    struct buf pdf = BUF_INIT;
    int rc;

    buf_addf(&pdf, "%s/" STORE_PDF_FOLDER, st->dir);
    rc = store_fs_nonempty(pdf.data, err, errlen);
    if (rc == 1)
        snprintf(err, errlen,
                 "index '%s' is %s but '%s' holds certificates: restore the index from a "
                 "backup, or move '%s' away to start an empty archive",
                 st->index_path, state, pdf.data, pdf.data);
    buf_free(&pdf);
    return rc == 0 ? 0 : -1;
}

/* SQLite counts every allocation under one global mutex unless told not to:
 * threads that read and write at once would queue on it. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static sqlite3 *open_db(struct store_sqlite *st, int flags, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    sqlite3 *db = NULL;

    pthread_once(&once, configure_sqlite);
    if (sqlite3_open_v2(st->index_path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        if (db)
            store_sqlite_error(st, db, "open", err, errlen);
        else
            snprintf(err, errlen, "cannot open index '%s': out of memory", st->index_path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, LOCK_WAIT_MS);
    /* Statement journals and sorts in memory: as files they are made and
     * deleted in the temporary folder once per put, and on ext4 without a
     * journal each new file then scans past every inode deleted in the last
     * half minute, which cost more CPU than SQLite itself under load. */
    if (sqlite3_exec(db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "set up", err, errlen);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* user_version and the number of tables; the first read of the file. */
static int read_version(struct store_sqlite *st, int *version, int *tables, char *err,
                        size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM sqlite_schema WHERE type = 'table')",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        store_sqlite_error(st, st->db, "read", err, errlen);
        goto out;
    }
    *version = sqlite3_column_int(s, 0);
    *tables = sqlite3_column_int(s, 1);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

static int open_writer(struct store_sqlite *st, int exclusive, char *err, size_t errlen)
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
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "index '%s' is from a newer certifica (schema %d, this one knows %d)",
                 st->index_path, version, STORE_SCHEMA_VERSION);
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
        store_sqlite_error(st, st->db, "set up", err, errlen);
        return -1;
    }
    if (sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
        snprintf(err, errlen, "index '%s' cannot use write-ahead logging on this file system",
                 st->index_path);
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    if (store_sqlite_exec(st, st->db, "PRAGMA synchronous = FULL", "set up", err, errlen) < 0 ||
        store_sqlite_schema_ready(st, version, exclusive, err, errlen) < 0 ||
        store_sqlite_exec(st, st->db, "PRAGMA foreign_keys = ON", "set up", err, errlen) < 0)
        return -1;
    for (int q = 0; q < W_COUNT; q++) {
        if (sqlite3_prepare_v3(st->db, store_sqlite_wsql(q), -1, SQLITE_PREPARE_PERSISTENT,
                               &st->wq[q], NULL) !=
            SQLITE_OK) {
            store_sqlite_error(st, st->db, "prepare", err, errlen);
            return -1;
        }
    }
    return 0;
}

static int open_readers(struct store_sqlite *st, char *err, size_t errlen)
{
    for (int i = 0; i < STORE_READERS; i++) {
        st->rd[i] = open_db(st, SQLITE_OPEN_READONLY, err, errlen);
        if (!st->rd[i])
            return -1;
        /* One read now opens the write-ahead log's file too, so that a
         * reader never opens a file of the store later (a store folder
         * remounted read-only could then not be unmounted). */
        if (store_sqlite_exec(st, st->rd[i], "SELECT count(*) FROM sqlite_schema", "read", err,
                              errlen) < 0)
            return -1;
    }
    return 0;
}

static void close_store(struct store_sqlite *st);
static const struct store_ops sqlite_ops;

struct store *store_sqlite_open(const char *dir, store_rerender_fn rerender_fn, void *rerender_ctx,
                                char *err, size_t errlen)
{
    struct store_sqlite *st = xcalloc(1, sizeof(*st));
    struct buf b = BUF_INIT;
    size_t n = strlen(dir);
    int exclusive = 0;

    pthread_mutex_init(&st->db_mu, NULL);
    pthread_mutex_init(&st->rd_mu, NULL);
    pthread_cond_init(&st->rd_cv, NULL);
    pthread_mutex_init(&st->gate_mu, NULL);
    pthread_cond_init(&st->gate_cv, NULL);
    pthread_mutex_init(&st->audit_mu, NULL);
    store_group_init(&st->gc);
    for (int i = 0; i < STORE_STRIPES; i++)
        pthread_mutex_init(&st->stripes[i], NULL);
    st->lock_fd = -1;
    st->base.ops = &sqlite_ops;

    while (n > 1 && dir[n - 1] == '/')
        n--;
    st->dir = xstrndup(dir, n ? n : 1);
    if (n == 0)
        st->dir[0] = '.';
    buf_addf(&b, "%s/index.sqlite", st->dir);
    st->index_path = buf_detach(&b, NULL);

    if (store_fs_mkdirs(st->dir, 0750, NULL, NULL, err, errlen) < 0 ||
        lock_store(st, &exclusive, err, errlen) < 0 ||
        open_writer(st, exclusive, err, errlen) < 0 || open_readers(st, err, errlen) < 0)
        goto fail;
    st->rec.exclusive = exclusive;
    if (exclusive) {
        if (store_sqlite_recover(st, rerender_fn, rerender_ctx, err, errlen) < 0)
            goto fail;
        /* Let other processes (the CLI next to a server) open it too. */
        if (flock(st->lock_fd, LOCK_SH) < 0) {
            snprintf(err, errlen, "cannot lock '%s/lock': %s", st->dir, strerror(errno));
            goto fail;
        }
    }
    return &st->base;
fail:
    close_store(st);
    return NULL;
}

static void close_store(struct store_sqlite *st)
{
    if (!st)
        return;
    if (st->batch_active) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        store_sqlite_batch_discard(st);
    }
    free(st->batch_files);
    store_dirset_free(&st->batch_dirs);
    audit_close(st->audit);
    pthread_mutex_destroy(&st->audit_mu);
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
    store_group_destroy(&st->gc);
    for (int i = 0; i < STORE_STRIPES; i++)
        pthread_mutex_destroy(&st->stripes[i]);
    free(st->dir);
    free(st->index_path);
    free(st);
}

static void sqlite_close(struct store *base)
{
    close_store(store_sqlite_of(base));
}

static const char *sqlite_dir(const struct store *base)
{
    return ((const struct store_sqlite *)base)->dir;
}

static void sqlite_recovery_info(const struct store *base, struct store_recovery *out)
{
    *out = ((const struct store_sqlite *)base)->rec;
}

static const struct store_ops sqlite_ops = {
    .close = sqlite_close,
    .dir = sqlite_dir,
    .recovery_info = sqlite_recovery_info,
    .put = store_sqlite_put,
    .peek = store_sqlite_peek,
    .batch_begin = store_sqlite_batch_begin,
    .batch_join = store_sqlite_batch_join,
    .batch_leave = store_sqlite_batch_leave,
    .batch_end = store_sqlite_batch_end,
    .get = store_sqlite_get,
    .get_by_code = store_sqlite_get_by_code,
    .find_file = store_sqlite_find_file,
    .raw_event = store_sqlite_raw_event,
    .rerender = store_sqlite_rerender,
    .revoke = store_sqlite_revoke,
    .stats = store_sqlite_stats,
    .search = store_sqlite_search,
    .search_explain = store_sqlite_search_explain,
    .staff_add = store_sqlite_staff_add,
    .staff_list = store_sqlite_staff_list,
    .staff_revoke = store_sqlite_staff_revoke,
    .staff_check = store_sqlite_staff_check,
    .webhook_token_add = store_sqlite_webhook_token_add,
    .webhook_token_list = store_sqlite_webhook_token_list,
    .webhook_token_revoke = store_sqlite_webhook_token_revoke,
    .webhook_token_check = store_sqlite_webhook_token_check,
    .audit_append = store_sqlite_audit_append,
    .audit_each = store_sqlite_audit_each,
    .cert_each = store_sqlite_cert_each,
    .copy_read = store_sqlite_copy_read,
    .copy_put = store_sqlite_copy_put,
    .cred_each = store_sqlite_cred_each,
    .cred_put = store_sqlite_cred_put,
};

int store_sqlite_exists(const char *dir, char *err, size_t errlen)
{
    struct buf b = BUF_INIT;
    struct stat sb;
    int rc;

    buf_addf(&b, "%s/index.sqlite", dir);
    if (stat(b.data, &sb) == 0)
        rc = S_ISREG(sb.st_mode) ? 1 : 0;
    else if (errno == ENOENT || errno == ENOTDIR)
        rc = 0;
    else {
        snprintf(err, errlen, "cannot look at '%s': %s", b.data, strerror(errno));
        rc = -1;
    }
    buf_free(&b);
    return rc;
}
