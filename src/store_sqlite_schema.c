/* The SQLite index's schema: made at version 7 for a new store, and brought
 * up from version 1 (the first release), 2, 3, 4, 5 or 6 when an older index
 * is opened.
 * Version 2 gives certificates a stable integer key (seq), a full-text table
 * (FTS5) keyed by it and the day, kept in step by triggers, indexes for the
 * staff listing, and staff accounts. Version 3 keeps each revision's
 * send_at (NULL in rows archived before it: readers then take it from the
 * archived raw event, see STORE_SQLITE_SEND_AT in store_sqlite.h). Version
 * 4 gives staff accounts a scope and institutions their webhook tokens.
 * Version 5 keeps each certificate's search text (store_fold.c: names folded
 * per script, CJK bigrams) and makes the full-text table again from it, with
 * the school's tag. Version 6 keeps each certificate's expiry (expires_at,
 * NULL: none), also in the listing's indexes, which it makes again. Version 7 finds a revision by its
 * file's SHA-256 and keeps the hashes of files that rerender or recovery
 * replaced (/verify/check). */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"
#include "banned.h"

/* Large columns (canonical, raw) come last in their rows so that reading the
 * others never walks overflow pages. seq is an INTEGER PRIMARY KEY, so that
 * VACUUM keeps it: the full-text index refers to rows by it. */
#define CERTIFICATES_TABLE(name, extra)                                                            \
    "CREATE TABLE " name " ("                                                                      \
    " seq INTEGER PRIMARY KEY,"                                                                    \
    " id TEXT NOT NULL UNIQUE,"                                                                    \
    " institution_id INTEGER NOT NULL, user_id INTEGER NOT NULL, course_id INTEGER NOT NULL,"      \
    " school_id INTEGER NOT NULL,"                                                                 \
    " user_name TEXT NOT NULL, user_email TEXT NOT NULL, user_cpf TEXT,"                           \
    " course_name TEXT NOT NULL, school_name TEXT NOT NULL, workload TEXT, type TEXT NOT NULL,"    \
    " certified_at TEXT NOT NULL, concluded_at TEXT NOT NULL, enrolled_at TEXT,"                   \
    " approval_rate REAL,"                                                                         \
    " latest INTEGER NOT NULL,"                                                                    \
    " revoked INTEGER NOT NULL DEFAULT 0, revoke_reason TEXT, revoked_at TEXT," extra              \
    " UNIQUE (institution_id, user_id, course_id));"

/* Version 4's search text (see store_fold_text): the folded name and course
 * name, NULL when the same as the field, and their CJK bigrams, NULL when none. */
#define SEARCH_COLUMNS " search_name TEXT, search_course TEXT, search_grams TEXT,"
/* Version 6: when the certificate expires, "yyyy-MM-dd HH:mm:ss", NULL: never. */
#define EXPIRY_COLUMNS " expires_at TEXT,"

#define CERT_COLUMNS                                                                               \
    "id, institution_id, user_id, course_id, school_id, user_name, user_email, user_cpf,"          \
    " course_name, school_name, workload, type, certified_at, concluded_at, enrolled_at,"          \
    " approval_rate, latest, revoked, revoke_reason, revoked_at"

#define FTS_COLUMNS "user_name, user_email, user_cpf, course_name, grams, tags"

/* A new index has send_at before the large columns; an upgraded one has it
 * after them (ALTER TABLE adds columns last, and rewriting every row to move
 * it would copy every archived event). Statements name their columns. */
static const char revisions_v3[] =
    "CREATE TABLE revisions ("
    " id TEXT NOT NULL REFERENCES certificates (id),"
    " revision INTEGER NOT NULL,"
    " code TEXT NOT NULL UNIQUE,"
    " pdf_path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,"
    " generation INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, rendered_at TEXT NOT NULL,"
    " superseded INTEGER NOT NULL DEFAULT 0,"
    " send_at TEXT,"
    " canonical TEXT NOT NULL, raw BLOB NOT NULL,"
    " PRIMARY KEY (id, revision));";

/* The full-text table's rowid for a row of certificates: the day it was
 * certified (yyyyMMdd as a number) in the high bits and seq in the low 36, so
 * that FTS5, which hands out matches in rowid order, gives them newest day
 * first and a page needs only the rows of its own days. */
#define FTS_KEY(t)                                                                                 \
    "((CAST(replace(substr(" t ".certified_at, 1, 10), '-', '') AS INTEGER) << 36) | " t ".seq)"
/* The tags column holds the filters as words, so that a search with words
 * and filters is one FTS5 query: "c<course_id> i<institution_id> s<school_id> t<p|a>",
 * and "r" when revoked. Searched words go to the other columns only. */
#define FTS_TAGS(t)                                                                                \
    "'c' || " t ".course_id || ' i' || " t ".institution_id || ' s' || " t ".school_id"            \
    " || ' t' || substr(" t ".type, 1, 1) || CASE WHEN " t ".revoked THEN ' r' ELSE '' END"
#define FTS_VALUES(t)                                                                              \
    "coalesce(" t ".search_name, " t ".user_name), " t ".user_email, " t ".user_cpf,"              \
    " coalesce(" t ".search_course, " t ".course_name), " t ".search_grams, " FTS_TAGS(t)

/* What version 2 adds next to the two tables. The listing is newest first,
 * then by id: that order is in the indexes, followed by the columns the
 * filters test, so that a page or a total without words reads one index and
 * no rows (the few revoked ones have an index of their own). The full-text
 * table is contentless: it keeps only the index of the latest revision's
 * name, e-mail, CPF digits and course name (certificates holds the latest
 * revision's fields) and of the tags; the triggers hand it the old values to
 * take out. */
#define INDEX_REVOKED                                                                              \
    "CREATE INDEX certificates_revoked ON certificates (certified_at DESC, id, revoked, type)"     \
    " WHERE revoked = 1;"
static const char indexes_v2[] =
    "CREATE INDEX certificates_recent"
    " ON certificates (certified_at DESC, id, revoked, type, institution_id, course_id);"
    "CREATE INDEX certificates_course"
    " ON certificates (course_id, certified_at DESC, id, revoked, type, institution_id);"
    "CREATE INDEX certificates_institution"
    " ON certificates (institution_id, certified_at DESC, id, revoked, type, course_id);"
    INDEX_REVOKED;

/* Version 6's: the same with expires_at, so that status=valid and
 * status=expired read no rows either (the revoked need no expiry: revoked
 * beats expired). */
#define DROP_INDEXES_V2                                                                            \
    "DROP INDEX IF EXISTS certificates_recent;"                                                    \
    "DROP INDEX IF EXISTS certificates_course;"                                                    \
    "DROP INDEX IF EXISTS certificates_institution;"
static const char indexes_v6[] =
    "CREATE INDEX certificates_recent ON certificates"
    " (certified_at DESC, id, revoked, type, institution_id, course_id, expires_at);"
    "CREATE INDEX certificates_course ON certificates"
    " (course_id, certified_at DESC, id, revoked, type, institution_id, expires_at);"
    "CREATE INDEX certificates_institution ON certificates"
    " (institution_id, certified_at DESC, id, revoked, type, course_id, expires_at);";

/* The full-text table of version 5. Combining marks are word characters
 * (categories M*), so that a word of Devanagari, Thai or Hebrew stays one
 * word; Latin accents are still folded away (remove_diacritics). */
#define FTS_UPDATE_OF                                                                              \
    "seq, certified_at, user_name, user_email, user_cpf, course_name, search_name,"                \
    " search_course, search_grams, course_id, institution_id, school_id, type, revoked"
/* clang-format off */
static const char fts_v5[] =
    "CREATE VIRTUAL TABLE certificates_fts USING fts5 (" FTS_COLUMNS ","
    " content = '', columnsize = 0,"
    " tokenize = \"unicode61 remove_diacritics 2 categories 'L* N* Co M*'\","
    " prefix = '1 2 3 4');"
    "CREATE TRIGGER certificates_fts_insert AFTER INSERT ON certificates BEGIN"
    " SELECT RAISE (ABORT, 'certificates.seq out of range') WHERE new.seq >= 68719476736;"
    " INSERT INTO certificates_fts (rowid, " FTS_COLUMNS ")"
    " VALUES (" FTS_KEY("new") ", " FTS_VALUES("new") ");"
    " END;"
    "CREATE TRIGGER certificates_fts_delete AFTER DELETE ON certificates BEGIN"
    " INSERT INTO certificates_fts (certificates_fts, rowid, " FTS_COLUMNS ")"
    " VALUES ('delete', " FTS_KEY("old") ", " FTS_VALUES("old") ");"
    " END;"
    "CREATE TRIGGER certificates_fts_update AFTER UPDATE OF " FTS_UPDATE_OF " ON certificates"
    " WHEN old.seq IS NOT new.seq OR old.certified_at IS NOT new.certified_at"
    " OR old.user_name IS NOT new.user_name OR old.user_email IS NOT new.user_email"
    " OR old.user_cpf IS NOT new.user_cpf OR old.course_name IS NOT new.course_name"
    " OR old.search_name IS NOT new.search_name OR old.search_course IS NOT new.search_course"
    " OR old.search_grams IS NOT new.search_grams"
    " OR old.course_id IS NOT new.course_id OR old.institution_id IS NOT new.institution_id"
    " OR old.school_id IS NOT new.school_id OR old.type IS NOT new.type OR old.revoked IS NOT new.revoked BEGIN"
    " INSERT INTO certificates_fts (certificates_fts, rowid, " FTS_COLUMNS ")"
    " VALUES ('delete', " FTS_KEY("old") ", " FTS_VALUES("old") ");"
    " INSERT INTO certificates_fts (rowid, " FTS_COLUMNS ")"
    " VALUES (" FTS_KEY("new") ", " FTS_VALUES("new") ");"
    " END;";
/* clang-format on */

/* Fill the full-text table from the rows, in rowid order (the fastest for FTS5). */
static const char fts_fill[] =
    "INSERT INTO certificates_fts (rowid, " FTS_COLUMNS ")"
    " SELECT " FTS_KEY("c") ", " FTS_VALUES("c") " FROM certificates c ORDER BY 1";

static const char staff_v2[] =
    "CREATE TABLE staff ("
    " name TEXT NOT NULL COLLATE NOCASE,"
    " token_sha256 BLOB NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL, revoked_at TEXT);"
    "CREATE UNIQUE INDEX staff_active ON staff (name) WHERE revoked_at IS NULL;";

/* Version 4: staff accounts get a scope, institutions their webhook tokens. */
static const char walls_v4[] =
    "ALTER TABLE staff ADD COLUMN institution_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE staff ADD COLUMN school_id INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE webhook_tokens ("
    " label TEXT NOT NULL COLLATE NOCASE,"
    " institution_id INTEGER NOT NULL,"
    " token_sha256 BLOB NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL, revoked_at TEXT);"
    "CREATE UNIQUE INDEX webhook_tokens_active ON webhook_tokens (label)"
    " WHERE revoked_at IS NULL;";

/* Version 1 to 2, inside one transaction with foreign keys off (SQLite's
 * procedure for changing a table: make the new one, copy, drop, rename).
 * Keeping rowid as seq keeps every row's key. */
static const char *const migrate_v1[] = {
    CERTIFICATES_TABLE("certificates_v2", ""),
    "INSERT INTO certificates_v2 (seq, " CERT_COLUMNS ")"
    " SELECT rowid, " CERT_COLUMNS " FROM certificates ORDER BY rowid",
    "DROP TABLE certificates",
    "ALTER TABLE certificates_v2 RENAME TO certificates",
    indexes_v2,
    staff_v2,
    "PRAGMA user_version = 2",
};

/* Version 7: a file's hash finds its revision; a file that rerender or
 * recovery replaced keeps its hash here, so that a copy handed out before
 * is still recognised ("an earlier rendering"). */
static const char files_v7[] =
    "CREATE INDEX revisions_sha256 ON revisions (sha256);"
    "CREATE TABLE earlier_files ("
    " sha256 TEXT NOT NULL, id TEXT NOT NULL, revision INTEGER NOT NULL,"
    " replaced_at TEXT NOT NULL,"
    " FOREIGN KEY (id, revision) REFERENCES revisions (id, revision));"
    "CREATE INDEX earlier_files_sha256 ON earlier_files (sha256);";

/* Version 2 to 3: instant, whatever the archive's size (no row is rewritten). */
static const char *const migrate_v2[] = {
    "ALTER TABLE revisions ADD COLUMN send_at TEXT",
    "PRAGMA user_version = 3",
};

/* Version 3 to 4: the walls. The full-text table is made again by the next step. */
static const char *const migrate_v3[] = {
    walls_v4,
    "PRAGMA user_version = 4",
};

/* Version 4 to 5, first half: the search text's columns, and the full-text
 * table of version 3 (if any: an index upgraded from version 1 has none yet)
 * dropped; store_sqlite_fold_rows then fills the columns, and the second half
 * makes the new table and fills it. */
static const char *const migrate_v4[] = {
    "DROP TRIGGER IF EXISTS certificates_fts_insert",
    "DROP TRIGGER IF EXISTS certificates_fts_delete",
    "DROP TRIGGER IF EXISTS certificates_fts_update",
    "DROP TABLE IF EXISTS certificates_fts",
    "ALTER TABLE certificates ADD COLUMN search_name TEXT",
    "ALTER TABLE certificates ADD COLUMN search_course TEXT",
    "ALTER TABLE certificates ADD COLUMN search_grams TEXT",
};
static const char *const migrate_v4_fts[] = {
    fts_v5,
    fts_fill,
    "PRAGMA user_version = 5",
};

/* Version 5 to 6: the expiry column (NULL in every row archived before it:
 * those never expire) and the listing's indexes made again with it. */
static const char *const migrate_v5[] = {
    "ALTER TABLE certificates ADD COLUMN expires_at TEXT",
    DROP_INDEXES_V2,
    indexes_v6,
    "PRAGMA user_version = 6",
};

/* Version 6 to 7: an index over the revisions, and an empty table. */
static const char *const migrate_v6[] = {
    files_v7,
    "PRAGMA user_version = 7",
};

static int read_version(struct store_sqlite *st, int *version, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        store_sqlite_error(st, st->db, "read", err, errlen);
        goto out;
    }
    *version = sqlite3_column_int(s, 0);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

/* Inside the migration: no row may point at a certificate that is gone. */
static int check_keys(struct store_sqlite *st, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "upgrade", err, errlen);
        goto out;
    }
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        snprintf(err, errlen, "cannot upgrade index '%s': table '%s' refers to missing rows",
                 st->index_path, (const char *)sqlite3_column_text(s, 0));
    else if (step != SQLITE_DONE)
        store_sqlite_error(st, st->db, "upgrade", err, errlen);
    else
        rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

/* Inside the upgrade to version 5: the search text of every row whose name
 * or course name folds to something else or has CJK bigrams. */
static int fold_rows(struct store_sqlite *st, char *err, size_t errlen)
{
    sqlite3_stmt *rd = NULL, *wr = NULL;
    int rc = -1, step;

    if (sqlite3_prepare_v2(st->db, "SELECT seq, user_name, course_name FROM certificates", -1, &rd,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db,
                           "UPDATE certificates SET search_name = ?2, search_course = ?3,"
                           " search_grams = ?4 WHERE seq = ?1",
                           -1, &wr, NULL) != SQLITE_OK) {
        store_sqlite_error(st, st->db, "upgrade", err, errlen);
        goto out;
    }
    while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
        struct store_search_text t;
        store_sqlite_search_text(&t, (const char *)sqlite3_column_text(rd, 1),
                                 (const char *)sqlite3_column_text(rd, 2));
        if (t.name || t.course || t.grams.len) {
            sqlite3_bind_int64(wr, 1, sqlite3_column_int64(rd, 0));
            store_sqlite_search_text_bind(&t, wr, 2);
            step = sqlite3_step(wr);
            sqlite3_reset(wr);
        }
        store_sqlite_search_text_free(&t);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            break;
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, st->db, "upgrade", err, errlen);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return rc;
}

static int create(struct store_sqlite *st, char *err, size_t errlen)
{
    int version;

    /* Another process may have made it meanwhile: look again inside. */
    if (store_sqlite_exec(st, st->db, "BEGIN IMMEDIATE", "create", err, errlen) < 0)
        return -1;
    if (read_version(st, &version, err, errlen) < 0)
        goto fail;
    if (version == 0 &&
        (store_sqlite_exec(st, st->db, CERTIFICATES_TABLE("certificates", SEARCH_COLUMNS EXPIRY_COLUMNS), "create",
                           err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, revisions_v3, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, indexes_v6, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, INDEX_REVOKED, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, fts_v5, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, staff_v2, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, walls_v4, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, files_v7, "create", err, errlen) < 0 ||
         store_sqlite_exec(st, st->db, "PRAGMA user_version = 7", "create", err, errlen) < 0))
        goto fail;
    if (store_sqlite_exec(st, st->db, "COMMIT", "create", err, errlen) < 0)
        goto fail;
    /* Make the new index file's name durable in the store folder. */
    return store_fs_sync_dir(st->dir, NULL, err, errlen);
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int migrate(struct store_sqlite *st, char *err, size_t errlen)
{
    int version, rc = -1;

    /* Foreign keys must be off to drop and rename a parent table; the
     * pragma is a no-op inside a transaction. */
    if (store_sqlite_exec(st, st->db, "PRAGMA foreign_keys = OFF", "upgrade", err, errlen) < 0 ||
        store_sqlite_exec(st, st->db, "BEGIN IMMEDIATE", "upgrade", err, errlen) < 0)
        return -1;
    if (read_version(st, &version, err, errlen) < 0)
        goto out;
    if (version == 1) {
        for (size_t i = 0; i < sizeof(migrate_v1) / sizeof(migrate_v1[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v1[i], "upgrade", err, errlen) < 0)
                goto out;
        if (check_keys(st, err, errlen) < 0)
            goto out;
        version = 2;
    }
    if (version == 2) {
        for (size_t i = 0; i < sizeof(migrate_v2) / sizeof(migrate_v2[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v2[i], "upgrade", err, errlen) < 0)
                goto out;
        version = 3;
    }
    if (version == 3) {
        for (size_t i = 0; i < sizeof(migrate_v3) / sizeof(migrate_v3[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v3[i], "upgrade", err, errlen) < 0)
                goto out;
        version = 4;
    }
    if (version == 4) {
        for (size_t i = 0; i < sizeof(migrate_v4) / sizeof(migrate_v4[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v4[i], "upgrade", err, errlen) < 0)
                goto out;
        if (fold_rows(st, err, errlen) < 0)
            goto out;
        for (size_t i = 0; i < sizeof(migrate_v4_fts) / sizeof(migrate_v4_fts[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v4_fts[i], "upgrade", err, errlen) < 0)
                goto out;
        version = 5;
    }
    if (version == 5) {
        for (size_t i = 0; i < sizeof(migrate_v5) / sizeof(migrate_v5[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v5[i], "upgrade", err, errlen) < 0)
                goto out;
        version = 6;
    }
    if (version == 6) {
        for (size_t i = 0; i < sizeof(migrate_v6) / sizeof(migrate_v6[0]); i++)
            if (store_sqlite_exec(st, st->db, migrate_v6[i], "upgrade", err, errlen) < 0)
                goto out;
    }
    if (store_sqlite_exec(st, st->db, "COMMIT", "upgrade", err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_sqlite_schema_ready(struct store_sqlite *st, int version, int exclusive, char *err,
                              size_t errlen)
{
    if (version == 0)
        return create(st, err, errlen);
    if (version == STORE_SCHEMA_VERSION)
        return 0;
    if (!exclusive) {
        snprintf(err, errlen,
                 "index '%s' has an older schema (%d) and another certifica process has the "
                 "store open: stop it, then run this version again to upgrade the index",
                 st->index_path, version);
        return -1;
    }
    return migrate(st, err, errlen);
}
